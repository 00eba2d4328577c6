import { randomUUID } from "node:crypto";
import { errorToBindingResponse } from "../binding/index.js";
import { failure } from "./envelope.js";
import { openAiError } from "./openai.js";

/**
 * A thrown error as the surface at `path` speaks it: the OpenAI error object under `/v1` and
 * `/ai/v1`, the binding's `{internalCode, name, description}` on the proxy route wrangler
 * and the remote binding call, the Workers AI envelope everywhere else.
 */
export function errorResponse(path: string, error: unknown): Response {
  if (path.startsWith("/v1/") || /^\/client\/v4\/accounts\/[^/]+\/ai\/v1\//.test(path)) return openAiError(error);
  if (path.endsWith("/ai/run/proxy")) return errorToBindingResponse(error, randomUUID());
  return failure(error);
}
