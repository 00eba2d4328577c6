import { SSE_HEADERS, toByteStream, workersSseEvent } from "../binding/index.js";
import { OutpostError, type RunResult } from "../contract/index.js";

/** Workers AI REST envelope for a JSON result. */
export function success(result: unknown): { result: unknown; success: true; errors: []; messages: [] } {
  return { result, success: true, errors: [], messages: [] };
}

/** Workers AI REST's answer to a run: JSON in the envelope, streams and bytes raw. */
export function restResponse(result: RunResult): Response {
  switch (result.kind) {
    case "json":
      return Response.json(success(result.value));
    case "events":
      return new Response(toByteStream(result.events, workersSseEvent), { headers: SSE_HEADERS });
    case "bytes":
      return new Response(result.body, { headers: { "content-type": result.contentType } });
  }
}

/** Workers AI REST error: envelope, status and Retry-After, from any thrown value. */
export function failure(thrown: unknown): Response {
  const error = OutpostError.from(thrown);
  const body = { result: null, success: false, errors: [{ code: error.internalCode, message: error.message }], messages: [] };
  return jsonResponse(body, error);
}

/** A JSON error response with the error's status and Retry-After header. */
export function jsonResponse(body: unknown, error: OutpostError): Response {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (error.retryAfterS !== undefined) headers["retry-after"] = String(error.retryAfterS);
  return new Response(JSON.stringify(body), { status: error.status, headers });
}
