import { OutpostError } from "../contract/index.js";

/** Workers AI REST envelope for a JSON result. */
export function success(result: unknown): { result: unknown; success: true; errors: []; messages: [] } {
  return { result, success: true, errors: [], messages: [] };
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
