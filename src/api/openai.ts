import { randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import { OutpostError, type RunEvent, type TaskId, type ToolCall, type WireError } from "../contract/index.js";
import { SSE_HEADERS, toByteStream } from "../binding/index.js";
import { bodyLimitsFor, CallScanner, collectText, formatToolCalls, newCallId, type CallDelta, type CollectedText } from "../tasks/index.js";
import { admitRun } from "./admission.js";
import type { BodyReader } from "./body.js";
import type { ApiDeps } from "./deps.js";
import { jsonResponse } from "./envelope.js";
import { openAiImageRoutes } from "./openai-images.js";
import { openAiSpeechRoutes } from "./openai-speech.js";
import { openAiTranscriptionRoutes } from "./openai-transcriptions.js";
import { runOptions } from "./run-options.js";
import { noteServedModel } from "./served-by.js";

type Body = Record<string, unknown>;

/** OpenAI request fields that map one-to-one onto Workers AI text-generation inputs. */
const SAMPLING_FIELDS = ["temperature", "top_p", "seed", "frequency_penalty", "presence_penalty", "response_format", "tools", "tool_choice", "parallel_tool_calls"] as const;

export function requireBody(body: unknown): Body {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new OutpostError("INPUT_INVALID", "Invalid input at '/': expected an object");
  return body as Body;
}

/** The model id, checked to exist, to serve `task` and to fit the caller's limits, before any input is looked at. */
export function requireModel(c: Context, deps: ApiDeps, body: Body, task: TaskId): string {
  if (typeof body.model !== "string" || body.model === "") throw new OutpostError("INPUT_INVALID", "Invalid input at '/model': expected a model id string");
  const described = deps.backend.describe(body.model);
  if (described.task !== task) throw new OutpostError("INPUT_INVALID", `${body.model} is not a ${task} model`);
  noteServedModel(c, described.id);
  admitRun(c, deps, body.model, task);
  return body.model;
}

/** OpenAI request → Workers AI inputs. Always streamed internally, to learn the finish reason. */
export function fromChatRequest(body: Body): Record<string, unknown> {
  const inputs: Record<string, unknown> = { messages: body.messages, stream: true };
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens !== undefined && maxTokens !== null) inputs.max_tokens = maxTokens;
  for (const field of SAMPLING_FIELDS) if (body[field] !== undefined && body[field] !== null) inputs[field] = body[field];
  return inputs;
}

export function fromCompletionRequest(body: Body): Record<string, unknown> {
  return { ...fromChatRequest(body), messages: undefined, tools: undefined, tool_choice: undefined, parallel_tool_calls: undefined, prompt: body.prompt, raw: true };
}

/** The finish reason OpenAI clients act on: JSON cut off by max_tokens is `length`, whatever stopped it. */
const finishOf = (result: Pick<CollectedText, "finishReason" | "incomplete">) => (result.incomplete ? "length" : result.finishReason);

export function toChatCompletion(id: string, model: string, created: number, result: CollectedText) {
  const calls = result.toolCalls ?? [];
  const message = calls.length > 0 ? { role: "assistant", content: result.response || null, tool_calls: formatToolCalls("openai", calls) } : { role: "assistant", content: result.response };
  return { id, object: "chat.completion", created, model, choices: [{ index: 0, message, finish_reason: finishOf(result), logprobs: null }], usage: result.usage };
}

export function toCompletion(id: string, model: string, created: number, result: CollectedText) {
  return { id, object: "text_completion", created, model, choices: [{ index: 0, text: result.response, finish_reason: finishOf(result), logprobs: null }], usage: result.usage };
}

/** Tool calls as stream deltas: each call whole in one delta, with its index, id and name. */
const toolCallDeltas = (calls: ToolCall[]) => formatToolCalls("openai", calls).map((call, index) => ({ index, ...(call as object) }));

/** A call's delta as it is generated: id, type and name first, then pieces of its arguments. */
const callDelta = (delta: CallDelta) =>
  "name" in delta ? { index: delta.index, id: newCallId(), type: "function", function: { name: delta.name, arguments: "" } } : { index: delta.index, function: { arguments: delta.arguments } };

/** Little-endian float32 bytes in base64: what the OpenAI SDK asks for by default. */
export function toBase64Embedding(vector: number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString("base64");
}

/** An OpenAI error object with the error's status: what the OpenAI SDKs parse into their error classes. */
export function openAiError(thrown: unknown): Response {
  const error = OutpostError.from(thrown);
  const type = error.status >= 500 ? "server_error" : error.status === 429 ? "rate_limit_exceeded" : "invalid_request_error";
  return jsonResponse({ error: { message: error.message, type, param: null, code: error.code.toLowerCase() } }, error);
}

/** A failure after a stream has started, told in-band: the OpenAI SDKs throw an APIError for a `data:` event with an `error`. */
export function streamError(wire: WireError): string {
  const error = OutpostError.fromWire(wire);
  return `data: ${JSON.stringify({ error: { message: error.message, type: "server_error", code: error.code.toLowerCase() } })}\n\n`;
}

/** SSE chunk encoder for chat.completion.chunk / text_completion streams. */
function chunkEncoder(kind: "chat" | "completion", id: string, model: string, created: number, includeUsage: boolean) {
  let first = true;
  let scanner: CallScanner | undefined;
  const frame = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ id, object: kind === "chat" ? "chat.completion.chunk" : "text_completion", created, model, choices: [{ index: 0, ...choice }], ...extra })}\n\n`;
  return (event: RunEvent): string => {
    if (event.type === "token") {
      const choice = kind === "chat" ? { delta: first ? { role: "assistant", content: event.text } : { content: event.text }, finish_reason: null } : { text: event.text, finish_reason: null };
      first = false;
      return frame(choice);
    }
    if (event.type === "call_text") {
      if (kind !== "chat") return "";
      scanner ??= new CallScanner();
      const deltas = scanner.feed(event.text).map(callDelta);
      if (deltas.length === 0) return "";
      const delta = first ? { role: "assistant", tool_calls: deltas } : { tool_calls: deltas };
      first = false;
      return frame({ delta, finish_reason: null });
    }
    if (event.type === "error") return streamError(event.error);
    // Calls not streamed as they were generated (a triggerless format's whole-JSON answer) go whole.
    const calls = kind === "chat" && event.toolCalls && !scanner ? frame({ delta: first ? { role: "assistant", tool_calls: toolCallDeltas(event.toolCalls) } : { tool_calls: toolCallDeltas(event.toolCalls) }, finish_reason: null }) : "";
    const last = kind === "chat" ? { delta: {}, finish_reason: finishOf(event) } : { text: "", finish_reason: finishOf(event) };
    const usage = includeUsage ? `data: ${JSON.stringify({ id, object: kind === "chat" ? "chat.completion.chunk" : "text_completion", created, model, choices: [], usage: event.usage })}\n\n` : "";
    return calls + frame(last) + usage + "data: [DONE]\n\n";
  };
}

/** OpenAI-compatible endpoints, adapters over the same run() as every other surface. */
export function openAiRoutes(deps: ApiDeps, body: BodyReader): Hono {
  const app = new Hono();

  const generate = (kind: "chat" | "completion") => async (c: Context) => {
    try {
      // Read inside a `then`, so no frame holds the parsed body once run() has prepared its job.
      const request = await body.read(c, bodyLimitsFor("text-generation")).then((parsed) => {
        const fields = requireBody(parsed);
        const model = requireModel(c, deps, fields, "text-generation");
        const inputs = kind === "chat" ? fromChatRequest(fields) : fromCompletionRequest(fields);
        const includeUsage = (fields.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
        return { model, stream: fields.stream === true, includeUsage, result: deps.run(model, inputs, runOptions(c, fields.options)) };
      });
      const { model, includeUsage } = request;
      const result = await request.result;
      if (result.kind !== "events") throw new OutpostError("INTERNAL", `${model} returned no token stream`);
      const id = `${kind === "chat" ? "chatcmpl" : "cmpl"}-${randomUUID()}`;
      const created = Math.floor(Date.now() / 1000);
      if (request.stream) {
        return new Response(toByteStream(result.events, chunkEncoder(kind, id, model, created, includeUsage)), {
          headers: SSE_HEADERS,
        });
      }
      const collected = await collectText(result.events);
      return c.json(kind === "chat" ? toChatCompletion(id, model, created, collected) : toCompletion(id, model, created, collected));
    } catch (error) {
      return openAiError(error);
    }
  };
  app.post("/chat/completions", generate("chat"));
  app.post("/completions", generate("completion"));

  app.post("/embeddings", async (c) => {
    try {
      const request = await body.read(c, bodyLimitsFor("text-embeddings")).then((parsed) => {
        const fields = requireBody(parsed);
        const model = requireModel(c, deps, fields, "text-embeddings");
        const format = fields.encoding_format ?? "float";
        if (format !== "float" && format !== "base64") throw new OutpostError("INPUT_INVALID", "Invalid input at '/encoding_format': expected 'float' or 'base64'");
        return { model, format, result: deps.run(model, { text: fields.input }, runOptions(c, fields.options)) };
      });
      const { model, format } = request;
      const result = await request.result;
      if (result.kind !== "json") throw new OutpostError("INTERNAL", `${model} returned no vectors`);
      const value = result.value as { data: number[][]; usage: { prompt_tokens: number; total_tokens: number } };
      return c.json({
        object: "list",
        data: value.data.map((vector, index) => ({ object: "embedding", index, embedding: format === "base64" ? toBase64Embedding(vector) : vector })),
        model,
        usage: value.usage,
      });
    } catch (error) {
      return openAiError(error);
    }
  });

  app.get("/models", (c) => {
    const created = Math.floor(Date.now() / 1000);
    const data = deps.backend.search({ per_page: 1_000 }).map((item) => ({ id: item.name, object: "model", created, owned_by: item.name.split("/")[1] ?? "outpost" }));
    return c.json({ object: "list", data });
  });

  app.route("/images", openAiImageRoutes(deps, body));
  app.route("/audio/speech", openAiSpeechRoutes(deps, body));
  app.route("/audio", openAiTranscriptionRoutes(deps, body));

  app.all("*", (c) => openAiError(new OutpostError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`)));
  return app;
}
