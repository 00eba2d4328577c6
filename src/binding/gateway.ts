/**
 * `env.AI.gateway(id)`: workerd's AiGateway (cloudflare-internal:aig-api), over the same wire.
 * Each method is one binding call to `https://workers-binding.ai/ai-gateway/…`, which a server
 * answers on its proxy route and the in-process binding answers in this process.
 */

/** A failure of a gateway call; the message is the server's. */
export class AiGatewayInternalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AiGatewayInternalError";
  }
}

/** `getLog`/`patchLog` named an entry the gateway does not have (or not yet: a stream is logged when it ends). */
export class AiGatewayLogNotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AiGatewayLogNotFound";
  }
}

/** The binding calls' URLs; the proxy route reads them from `x-forwarded`. */
export const GATEWAY_BINDING_URL = "https://workers-binding.ai/ai-gateway/";

/**
 * Whether a forwarded URL is one of gateway(id)'s calls. Not `…/ai-gateway/run`: that is a run
 * with the `gateway` option, which workerd sends there and the proxy route serves as any run.
 */
export function isGatewayCall(forwarded: string): boolean {
  return forwarded.startsWith(`${GATEWAY_BINDING_URL}gateways/`) || forwarded.startsWith(`${GATEWAY_BINDING_URL}universal/`);
}

/** One binding call: a method, a forwarded URL and a JSON body, answered as the server would. */
export type GatewayCall = (url: string, init: { method: string; body?: string; headers?: Record<string, string> }) => Promise<Response>;

/** A log entry as AI Gateway's binding returns it (`created_at` a Date, as workerd makes it). */
export interface AiGatewayLog {
  id: string;
  provider: string;
  model: string;
  path: string;
  duration: number;
  status_code: number;
  success: boolean;
  cached: boolean;
  tokens_in?: number;
  tokens_out?: number;
  metadata?: Record<string, string | number | boolean>;
  request_size: number;
  request_head?: string;
  request_head_complete: boolean;
  response_size: number;
  response_head?: string;
  response_head_complete: boolean;
  created_at: Date;
  [field: string]: unknown;
}

/** What `patchLog` may set; null clears a field. `feedback` is thumbs down (-1) or up (1), `score` 0 to 100. */
export interface AiGatewayPatchLog {
  feedback?: -1 | 1 | null;
  score?: number | null;
  metadata?: Record<string, string | number | boolean> | null;
}

/** One step of a universal request; Outpost serves the `workers-ai` provider (endpoint: the model id, query: its inputs). */
export interface AiGatewayUniversalRequest {
  provider: string;
  endpoint: string;
  headers?: Record<string, unknown>;
  query: unknown;
}

/** workerd's: errors[0].message of the envelope, else the text. */
async function parseError(response: Response, fallback: string, as: new (message: string) => Error): Promise<Error> {
  const text = await response.text();
  try {
    return new as((JSON.parse(text) as { errors?: { message?: string }[] }).errors?.at(0)?.message || fallback);
  } catch {
    return new AiGatewayInternalError(text);
  }
}

/** The `cf-aig-*` headers of the `gateway` options, as workerd writes them for `run`. */
function gatewayHeaders(options: Record<string, unknown> = {}): Record<string, string> {
  const headers: Record<string, string> = {};
  const { skipCache, cacheTtl, metadata, cacheKey, collectLog, eventId, requestTimeoutMs, retries } = options as Record<string, any>;
  if (skipCache !== undefined) headers["cf-aig-skip-cache"] = String(skipCache);
  if (cacheTtl) headers["cf-aig-cache-ttl"] = String(cacheTtl);
  if (metadata) headers["cf-aig-metadata"] = JSON.stringify(metadata);
  if (cacheKey) headers["cf-aig-cache-key"] = String(cacheKey);
  if (collectLog !== undefined) headers["cf-aig-collect-log"] = String(collectLog);
  if (eventId !== undefined) headers["cf-aig-event-id"] = String(eventId);
  if (requestTimeoutMs !== undefined) headers["cf-aig-request-timeout"] = String(requestTimeoutMs);
  if (retries?.maxAttempts !== undefined) headers["cf-aig-max-attempts"] = String(retries.maxAttempts);
  if (retries?.retryDelayMs !== undefined) headers["cf-aig-retry-delay"] = String(retries.retryDelayMs);
  if (retries?.backoff !== undefined) headers["cf-aig-backoff"] = String(retries.backoff);
  return headers;
}

export class AiGateway {
  readonly #call: GatewayCall;
  readonly #id: string;

  constructor(call: GatewayCall, id: string) {
    this.#call = call;
    this.#id = id;
  }

  #url(path: string): string {
    return `${GATEWAY_BINDING_URL}gateways/${encodeURIComponent(this.#id)}/${path}`;
  }

  /** This gateway's URL for `provider` (default `universal`) on the Outpost server; the in-process binding has none. */
  async getUrl(provider?: string): Promise<string> {
    const response = await this.#call(this.#url(`url/${encodeURIComponent(provider ?? "universal")}`), { method: "GET" });
    if (!response.ok) throw await parseError(response, "Internal Error", AiGatewayInternalError);
    return ((await response.json()) as { result: { url: string } }).result.url;
  }

  async getLog(logId: string): Promise<AiGatewayLog> {
    const response = await this.#call(this.#url(`logs/${encodeURIComponent(logId)}`), { method: "GET" });
    if (response.status === 404) throw await parseError(response, "Log Not Found", AiGatewayLogNotFound);
    if (!response.ok) throw await parseError(response, "Internal Error", AiGatewayInternalError);
    const { result } = (await response.json()) as { result: Record<string, unknown> & { created_at: string } };
    return { ...result, created_at: new Date(result.created_at) } as AiGatewayLog;
  }

  async patchLog(logId: string, data: AiGatewayPatchLog): Promise<void> {
    const response = await this.#call(this.#url(`logs/${encodeURIComponent(logId)}`), { method: "PATCH", body: JSON.stringify(data), headers: { "content-type": "application/json" } });
    if (response.status === 404) throw await parseError(response, "Log Not Found", AiGatewayLogNotFound);
    if (!response.ok) throw await parseError(response, "Internal Error", AiGatewayInternalError);
  }

  /**
   * A universal request: its steps tried in order until one answers (`cf-aig-step` says which),
   * each through this gateway. The raw Response: the Workers AI envelope, a stream or bytes.
   */
  run(data: AiGatewayUniversalRequest | AiGatewayUniversalRequest[], options: { gateway?: Record<string, unknown>; extraHeaders?: Record<string, string> } = {}): Promise<Response> {
    const steps = (Array.isArray(data) ? data : [data]).map((step) => ({
      ...step,
      // As workerd does: header values that are numbers, booleans or objects go as strings.
      headers: Object.fromEntries(Object.entries(step.headers ?? {}).map(([name, value]) => [name, typeof value === "object" && value !== null ? JSON.stringify(value) : String(value)])),
    }));
    return this.#call(`${GATEWAY_BINDING_URL}universal/run/${encodeURIComponent(this.#id)}`, {
      method: "POST",
      body: JSON.stringify(steps),
      headers: { "content-type": "application/json", ...gatewayHeaders(options.gateway), ...options.extraHeaders },
    });
  }
}
