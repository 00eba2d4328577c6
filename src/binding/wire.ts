import { ERRORS, OutpostError, type GatewayOutcome, type RunResult } from "../contract/index.js";
import { SSE_HEADERS, toByteStream, workersSseEvent } from "./sse.js";

/** Names the model that really served a run (an alias's target), on every surface. */
export const SERVED_MODEL_HEADER = "x-outpost-model";
/** AI Gateway's response headers: whether the cache answered, and the request's log id. */
export const CACHE_STATUS_HEADER = "cf-aig-cache-status";
export const LOG_ID_HEADER = "cf-aig-log-id";

/**
 * The binding's wire format, as workerd's `env.AI` expects from its upstream: raw task output
 * with `content-type: application/json` (exactly), raw SSE or bytes, and errors as a non-2xx
 * `{internalCode, name, description}`. The in-process binding, the remote binding and the
 * wrangler proxy route all speak it.
 */
export function toBindingResponse(result: RunResult, requestId: string, servedModel?: string, gateway?: GatewayOutcome): Response {
  const headers: Record<string, string> = { "cf-ai-req-id": requestId, ...(servedModel ? { [SERVED_MODEL_HEADER]: servedModel } : {}) };
  if (gateway) Object.assign(headers, { [CACHE_STATUS_HEADER]: gateway.cacheStatus, [LOG_ID_HEADER]: gateway.logId, [SERVED_MODEL_HEADER]: gateway.model });
  switch (result.kind) {
    case "json":
      return new Response(JSON.stringify(result.value), { headers: { ...headers, "content-type": "application/json" } });
    case "events":
      return new Response(toByteStream(result.events, workersSseEvent), { headers: { ...headers, ...SSE_HEADERS } });
    case "bytes":
      return new Response(result.body, { headers: { ...headers, "content-type": result.contentType } });
  }
}

export function errorToBindingResponse(thrown: unknown, requestId: string): Response {
  const error = OutpostError.from(thrown);
  const body = { internalCode: error.internalCode, name: ERRORS[error.code].name, message: error.message, description: error.message };
  const headers: Record<string, string> = { "content-type": "application/json", "cf-ai-req-id": requestId };
  if (error.retryAfterS !== undefined) headers["retry-after"] = String(error.retryAfterS);
  return new Response(JSON.stringify(body), { status: error.status, headers });
}
