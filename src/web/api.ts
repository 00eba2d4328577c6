/**
 * The dashboard's one door to the server: every HTTP call the UI makes is here, against the
 * public APIs (Workers AI REST, /metrics, /api/*). Shapes are declared here, not imported:
 * the web UI shares no code with the server.
 */
import { readSse } from "./sse.js";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** A `GET /ai/models/search` item, as Workers AI returns it. */
export interface SearchItem {
  name: string;
  description: string;
  task: { id: string; name: string; description: string };
  properties: { property_id: string; value: unknown }[];
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** Workers AI text-generation inputs, exactly as sent. */
export interface GenerationInputs {
  messages: ChatMessage[];
  stream: true;
  temperature: number;
  max_tokens: number;
  seed?: number;
  /** JSON mode: the schema as parsed, or the text as typed when it is not JSON (the server names the problem). */
  response_format?: { type: "json_schema"; json_schema: unknown };
  tools?: unknown;
  tool_choice?: "auto" | "required";
}

/** A call the model made, as a Workers AI stream carries it. */
export interface ToolCall {
  id?: string;
  function: { name: string; arguments: string };
}

export type GenerationEvent =
  | { type: "token"; text: string }
  | { type: "tool_calls"; calls: ToolCall[] }
  | { type: "usage"; usage: Usage }
  | { type: "done" }
  | { type: "error"; message: string };

export interface Embeddings {
  shape: number[];
  data: number[][];
}

/** `GET /api/requests` rows. */
export interface RequestRecord {
  at: string;
  model: string;
  task: string;
  status: number;
  /** Failed requests: the error message the caller got. */
  error?: string;
  latencyMs: number;
  ttftMs?: number;
  completionTokens?: number;
  city?: string;
}

/** `GET /api/models` rows: models whose weights are on the server (issue 4, the store). */
export interface LocalModel {
  model: string;
  location: "store" | "mirror";
  sizeBytes: number;
}

/** A pull's progress, as `POST /api/pull {stream:true}` streams it (issue 4). */
export interface PullStatus {
  id: string;
  model: string;
  state: "pulling" | "done" | "failed";
  completedBytes: number;
  totalBytes?: number;
  bytesPerSecond: number;
  etaS?: number;
  error?: { code: string; message: string };
}

/** `GET /network` in network mode (issue 5); only the parts the dashboard shows. */
export interface NetworkView {
  node: string;
  cities: { city: string; region: string; nodes: number; healthy: number }[];
  nodes: { node: string; city: string; region: string; health: string; self: boolean; rttMs?: number; models: Record<string, { slots?: number; active?: number; queued?: number }> }[];
}

export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

/** The message of a Workers AI (`errors[0].message`) or OpenAI (`error.message`) error body. */
export function errorMessage(body: unknown, fallback: string): string {
  const b = body as { errors?: { message?: unknown }[]; error?: { message?: unknown } } | null;
  const message = b?.errors?.[0]?.message ?? b?.error?.message;
  return typeof message === "string" ? message : fallback;
}

async function failed(response: Response): Promise<ApiError> {
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return new ApiError(response.status, errorMessage(body, `${response.status} ${response.statusText}`.trim()));
}

/** The `result` of a Workers AI envelope; undefined for a 404 when `optional` (an API this server lacks). */
async function result<T>(path: string, init?: RequestInit & { optional?: boolean }): Promise<T | undefined> {
  const response = await fetch(path, init);
  if (response.status === 404 && init?.optional) return undefined;
  if (!response.ok) throw await failed(response);
  return ((await response.json()) as { result: T }).result;
}

const json = (body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

export const runPath = (model: string) => `/ai/run/${model}`;

/** Every catalog model (Workers AI search items, in catalog order). */
export async function searchModels(): Promise<SearchItem[]> {
  return (await result<SearchItem[]>("/ai/models/search?per_page=1000")) ?? [];
}

/** One Workers AI stream event as the generation it describes; undefined for events that say nothing. */
export function toGenerationEvent(event: { event: string; data: string }): GenerationEvent | undefined {
  if (event.event === "error") {
    let body: unknown;
    try {
      body = JSON.parse(event.data);
    } catch {
      body = undefined;
    }
    return { type: "error", message: errorMessage(body, event.data) };
  }
  if (event.data === "[DONE]") return { type: "done" };
  const data = JSON.parse(event.data) as { response?: string; usage?: Usage; tool_calls?: ToolCall[] };
  if (data.usage) return { type: "usage", usage: data.usage };
  if (data.tool_calls) return { type: "tool_calls", calls: data.tool_calls };
  return data.response ? { type: "token", text: data.response } : undefined;
}

/**
 * Streams a generation. Aborting `signal` ends the fetch, and the server cancels the
 * generation and frees its slot when the connection goes.
 */
export async function* generate(model: string, inputs: GenerationInputs, signal: AbortSignal): AsyncGenerator<GenerationEvent> {
  const response = await fetch(runPath(model), { ...json(inputs), signal });
  if (!response.ok || !response.body) throw await failed(response);
  for await (const sse of readSse(response.body)) {
    const event = toGenerationEvent(sse);
    if (event) yield event;
  }
}

/**
 * Runs a task model and answers the envelope's `result`, unchecked (see tasks.ts): JSON
 * inputs, or a file (audio, an image) sent as the raw body, as Workers AI takes it. The file
 * goes as octet-stream whatever its type, so that an upload is never read as JSON.
 */
export async function runModel(model: string, inputs: object | Blob): Promise<unknown> {
  const init = inputs instanceof Blob ? { method: "POST", headers: { "content-type": "application/octet-stream" }, body: await inputs.arrayBuffer() } : json(inputs);
  return result<unknown>(runPath(model), init);
}

export async function embed(model: string, texts: string[]): Promise<Embeddings> {
  return (await result<Embeddings>(runPath(model), json({ text: texts })))!;
}

/** The Prometheus exposition of GET /metrics. */
export async function metricsText(): Promise<string> {
  const response = await fetch("/metrics");
  if (!response.ok) throw await failed(response);
  return response.text();
}

/** Newest first; undefined when the server keeps no request log. */
export function recentRequests(): Promise<RequestRecord[] | undefined> {
  return result<RequestRecord[]>("/api/requests", { optional: true });
}

/** Whether the server is a node of an Outpost network, so that GET /network exists (GET /healthz says). */
export async function inNetwork(): Promise<boolean> {
  const response = await fetch("/healthz");
  if (!response.ok) throw await failed(response);
  return ((await response.json()) as { network?: unknown }).network === true;
}

/** Undefined unless the server is part of an Outpost network. */
export async function networkView(): Promise<NetworkView | undefined> {
  const response = await fetch("/network");
  if (response.status === 404) return undefined;
  if (!response.ok) throw await failed(response);
  const view = (await response.json()) as NetworkView;
  return Array.isArray(view.cities) ? view : undefined;
}

/** Models with weights on the server; undefined when the server has no store API (before issue 4). */
export function localModels(): Promise<LocalModel[] | undefined> {
  return result<LocalModel[]>("/api/models", { optional: true });
}

/** Starts (or joins) a pull and yields its progress until it ends; the pull goes on if this is left. */
export async function* pull(model: string, signal?: AbortSignal): AsyncGenerator<PullStatus> {
  const response = await fetch("/api/pull", { ...json({ model, stream: true }), signal });
  if (!response.ok || !response.body) throw await failed(response);
  for await (const sse of readSse(response.body)) yield JSON.parse(sse.data) as PullStatus;
}

export async function removeModel(model: string): Promise<void> {
  await result(`/api/models/${model}`, { method: "DELETE" });
}

/** Workers AI text-to-image inputs, exactly as sent; unset fields take the model's defaults. */
export interface ImageInputs {
  prompt: string;
  negative_prompt?: string;
  width?: number;
  height?: number;
  num_steps?: number;
  seed?: number;
  guidance?: number;
  strength?: number;
  /** img2img and inpainting: the uploaded picture. */
  image_b64?: string;
  /** Inpainting: the mask's bytes (white is repainted). */
  mask?: number[];
  stream: true;
}

export type ImageEvent = { type: "step"; step: number; steps: number } | { type: "image"; png: string };

/** Draws a picture, yielding each denoising step and then the PNG (base64) from the progress stream. */
export async function* drawImage(model: string, inputs: ImageInputs, signal?: AbortSignal): AsyncGenerator<ImageEvent> {
  const response = await fetch(runPath(model), { ...json(inputs), signal });
  if (!response.ok || !response.body) throw await failed(response);
  for await (const sse of readSse(response.body)) {
    const event = sse.event === "error" ? toGenerationEvent(sse) : undefined;
    if (event?.type === "error") throw new ApiError(response.status, event.message);
    if (sse.data === "[DONE]") return;
    const data = JSON.parse(sse.data) as { step?: number; steps?: number; image?: string };
    if (data.image !== undefined) yield { type: "image", png: data.image };
    else if (data.step !== undefined && data.steps !== undefined) yield { type: "step", step: data.step, steps: data.steps };
  }
}

/** `GET /api/usage` rows: totals for one group (a model, an hour, a day or an account). */
export interface UsageRow {
  key: string;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  neurons: number;
}

export interface UsageFilter {
  /** ISO 8601, inclusive. */
  from: string;
  account?: string;
  model?: string;
}

const query = (params: Record<string, string | undefined>) => new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString();

/** Usage totals grouped `by`; undefined when the server records no usage. */
export function usageBy(by: "model" | "hour" | "day" | "account", filter: UsageFilter): Promise<UsageRow[] | undefined> {
  return result<UsageRow[]>(`/api/usage?${query({ ...filter, by, per_page: "1000" })}`, { optional: true });
}

/** `GET /api/latency` rows: a model's logged requests, with nearest-rank percentiles. */
export interface LatencyRow {
  model: string;
  requests: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

export function latencyByModel(filter: UsageFilter): Promise<LatencyRow[] | undefined> {
  return result<LatencyRow[]>(`/api/latency?${query({ ...filter })}`, { optional: true });
}

/** `GET /api/gateways` rows: a gateway and where it is defined. */
export interface GatewayInfo {
  id: string;
  source: "database" | "outpost.json" | "built-in";
  cacheTtlS: number;
}

/** Every gateway; undefined when the server has no AI Gateway. */
export function gatewayList(): Promise<GatewayInfo[] | undefined> {
  return result<GatewayInfo[]>("/api/gateways", { optional: true });
}

/** `GET /api/gateways/{id}/logs` rows: one request through the gateway. */
export interface GatewayLogEntry {
  id: string;
  at: string;
  account: string;
  model: string;
  servedModel: string;
  status: number;
  cacheStatus: "HIT" | "MISS";
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  neurons: number;
  metadata: Record<string, string | number | boolean>;
  error?: string;
  feedback?: -1 | 1;
  score?: number;
}

export interface GatewayLogFilter {
  model?: string;
  success?: boolean;
  cached?: boolean;
  page: number;
  perPage: number;
}

/** One page of a gateway's log, newest first, and how many entries match. */
export async function gatewayLogs(id: string, filter: GatewayLogFilter): Promise<{ entries: GatewayLogEntry[]; total: number }> {
  const params = query({ model: filter.model || undefined, success: filter.success?.toString(), cached: filter.cached?.toString(), page: String(filter.page), per_page: String(filter.perPage) });
  const response = await fetch(`/api/gateways/${encodeURIComponent(id)}/logs?${params}`);
  if (!response.ok) throw await failed(response);
  const body = (await response.json()) as { result: GatewayLogEntry[]; result_info: { total_count: number } };
  return { entries: body.result, total: body.result_info.total_count };
}
