import type { Backend } from "../contract/index.js";
import { Ai } from "./ai.js";
import { createRun } from "./run.js";
import { localTransport, remoteTransport, type RemoteOptions } from "./transports.js";

export { Ai, InferenceUpstreamError, type AiOptions, type BindingTransport } from "./ai.js";
export { createRun, type RunFn } from "./run.js";
export { toByteStream, workersSseEvent } from "./sse.js";
export { toBindingResponse, errorToBindingResponse } from "./wire.js";
export { BINDING_MODELS_URL, BINDING_RUN_URL, type RemoteOptions } from "./transports.js";

/** An `env.AI` that runs models in this process. */
export function createLocalAi(backend: Backend): Ai {
  return new Ai(localTransport(createRun(backend), backend));
}

/** An `env.AI` that calls an Outpost server at `baseUrl`. */
export function createRemoteAi(baseUrl: string, options?: RemoteOptions): Ai {
  return new Ai(remoteTransport(baseUrl, options));
}
