import type { Backend } from "../contract/index.js";
import { Ai } from "./ai.js";
import type { RunFn } from "./run.js";
import { localTransport, remoteTransport, type LocalGateway, type RemoteOptions } from "./transports.js";

export { Ai, InferenceUpstreamError, type AiOptions, type BindingTransport } from "./ai.js";
export { AiGateway, AiGatewayInternalError, AiGatewayLogNotFound, GATEWAY_BINDING_URL, isGatewayCall, type AiGatewayLog, type AiGatewayPatchLog, type AiGatewayUniversalRequest, type GatewayCall } from "./gateway.js";
export { createRun, type RunFn } from "./run.js";
export { RequestMetrics } from "./metrics.js";
export { SSE_HEADERS, toByteStream, workersSseEvent } from "./sse.js";
export { toBindingResponse, errorToBindingResponse, CACHE_STATUS_HEADER, LOG_ID_HEADER, SERVED_MODEL_HEADER } from "./wire.js";
export { isTensorSession, resultToTensors, tensorBodyLimits, tensorsToInputs } from "./tensors.js";
export { BINDING_MODELS_URL, BINDING_RUN_URL, type LocalGateway, type RemoteOptions } from "./transports.js";

/** An `env.AI` that runs models in this process, through `run`, which serves the `gateway` option. */
export function createLocalAi(backend: Backend, run: RunFn, gateway: LocalGateway): Ai {
  return new Ai(localTransport(run, backend, gateway));
}

/** An `env.AI` that calls an Outpost server at `baseUrl`. */
export function createRemoteAi(baseUrl: string, options?: RemoteOptions): Ai {
  return new Ai(remoteTransport(baseUrl, options));
}
