import assert from "node:assert/strict";

/** Workers AI usage object: three non-negative integers that add up. */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Decodes bytes as UTF-8, failing on any invalid sequence (the server must never send one). */
export function strictUtf8(bytes: ArrayBuffer | Uint8Array): string {
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}

/** The body of a response as strict UTF-8 text. */
export async function bodyText(res: Response): Promise<string> {
  return strictUtf8(await res.arrayBuffer());
}

/** A 200 Workers AI envelope; returns its `result`. */
export async function envelopeResult<T = any>(res: Response): Promise<T> {
  const text = await bodyText(res);
  assert.equal(res.status, 200, text);
  assert.equal(res.headers.get("content-type")?.split(";")[0], "application/json");
  const body = JSON.parse(text);
  assert.deepEqual(Object.keys(body).sort(), ["errors", "messages", "result", "success"]);
  assert.equal(body.success, true);
  assert.deepEqual(body.errors, []);
  assert.deepEqual(body.messages, []);
  return body.result as T;
}

/** A Workers AI error envelope with this status and internal code; returns its message. */
export async function envelopeError(res: Response, status: number, code: number, message?: string | RegExp): Promise<string> {
  const text = await bodyText(res);
  assert.equal(res.status, status, text);
  const body = JSON.parse(text);
  assert.equal(body.success, false, text);
  assert.equal(body.result, null, text);
  assert.deepEqual(body.messages, [], text);
  assert.equal(body.errors.length, 1, text);
  assert.equal(body.errors[0].code, code, text);
  assert.equal(typeof body.errors[0].message, "string");
  if (typeof message === "string") assert.equal(body.errors[0].message, message);
  else if (message) assert.match(body.errors[0].message, message);
  return body.errors[0].message as string;
}

/** An OpenAI error body `{error:{message,type,param,code}}` with this status and code. */
export async function openAiError(res: Response, status: number, code: string, message?: RegExp): Promise<void> {
  const text = await bodyText(res);
  assert.equal(res.status, status, text);
  const body = JSON.parse(text);
  assert.deepEqual(Object.keys(body), ["error"], text);
  assert.equal(body.error.code, code, text);
  assert.equal(typeof body.error.message, "string");
  assert.equal(body.error.type, status >= 500 ? "server_error" : status === 429 ? "rate_limit_exceeded" : "invalid_request_error");
  if (message) assert.match(body.error.message, message);
}

export function assertUsage(usage: Usage): void {
  for (const key of ["prompt_tokens", "completion_tokens", "total_tokens"] as const) {
    assert.ok(Number.isInteger(usage[key]) && usage[key] >= 0, `${key}: ${usage[key]}`);
  }
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
}

/** The `data:` payloads of an SSE body, in order (the text must be only well-formed events). */
export function sseData(text: string): string[] {
  assert.match(text, /^(data: [^\n]*\n\n)*$/, "every event is one data line and a blank line");
  return text.split("\n\n").filter(Boolean).map((event) => event.slice("data: ".length));
}

/**
 * The exact Workers AI stream layout: one `{"response":…}` event per piece of text, an empty
 * response carrying usage, then `[DONE]`. Returns the concatenated text and the usage.
 */
export function parseWorkersStream(text: string): { response: string; usage: Usage; pieces: string[] } {
  assert.match(
    text,
    /^(data: \{"response":"(?:[^"\\]|\\.)*"\}\n\n)*data: \{"response":"","usage":\{"prompt_tokens":\d+,"completion_tokens":\d+,"total_tokens":\d+\}\}\n\ndata: \[DONE\]\n\n$/,
  );
  const events = sseData(text);
  const pieces = events.slice(0, -2).map((data) => (JSON.parse(data) as { response: string }).response);
  const usage = (JSON.parse(events.at(-2)!) as { usage: Usage }).usage;
  assertUsage(usage);
  return { response: pieces.join(""), usage, pieces };
}

export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : body instanceof Uint8Array ? new Blob([body as Uint8Array<ArrayBuffer>]) : JSON.stringify(body) });
}
