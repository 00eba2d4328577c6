import type { ModelSearchItem, ModelSearchParams } from "../contract/index.js";
import { AiGateway, type GatewayCall } from "./gateway.js";
import { LOG_ID_HEADER } from "./wire.js";

/** Thrown by `run` for any non-2xx answer, exactly as the Workers `env.AI` binding throws it. */
export class InferenceUpstreamError extends Error {
  readonly httpCode: number;
  /** As in workerd, `name` comes from the error payload (e.g. "InvalidInput") when it has one. */
  constructor(message: string, httpCode: number, name = "InferenceUpstreamError") {
    super(message);
    this.name = name;
    this.httpCode = httpCode;
  }
}

/**
 * Options of `env.AI.run`; Outpost honours these, and `gateway` (`{id, skipCache, cacheTtl,
 * cacheKey, metadata, …}`) on every binding (in-process, remote, wrangler's proxy), and ignores
 * Cloudflare-only ones (tags).
 */
export interface AiOptions {
  /** Return the upstream `Response` as-is, without throwing on errors. */
  returnRawResponse?: boolean;
  /** Model id is sent as `prefix:model` by Workers; Outpost accepts and ignores the prefix. */
  prefix?: string;
  extraHeaders?: Record<string, string>;
  /** Cancels the request; a stream stops generating within one token. */
  signal?: AbortSignal;
  /** Fail with 3040 at once instead of waiting in the model's queue (Workers AI's option). */
  rejectIfBusy?: boolean;
  /** Outpost's own: how long the model stays loaded after this request, in ms. */
  keepAliveMs?: number;
  [key: string]: unknown;
}

/** How a binding reaches Outpost: one call in binding wire format (see wire.ts). */
export interface BindingTransport {
  run(model: string, inputs: unknown, options: AiOptions): Promise<Response>;
  models(params: ModelSearchParams): Promise<ModelSearchItem[]>;
  /** The calls of `gateway(id)`'s methods. */
  gateway: GatewayCall;
}

/**
 * An `env.AI`-compatible object. The return rules are workerd's: raw Response when asked,
 * throw on non-2xx, parsed JSON when the content type is exactly application/json, else the
 * body stream (SSE for `stream: true`, bytes for images).
 */
export class Ai {
  readonly #transport: BindingTransport;
  lastRequestId: string | null = null;
  lastRequestHttpStatusCode: number | null = null;
  lastRequestInternalStatusCode: number | null = null;
  aiGatewayLogId: string | null = null;

  constructor(transport: BindingTransport) {
    this.#transport = transport;
  }

  async run(model: string, inputs: unknown, options: AiOptions = {}): Promise<any> {
    const response = await this.#transport.run(model, inputs, options);
    this.lastRequestId = response.headers.get("cf-ai-req-id");
    this.aiGatewayLogId = response.headers.get(LOG_ID_HEADER);
    this.lastRequestHttpStatusCode = response.status;
    if (options.returnRawResponse) return response;
    if (!response.ok || !response.body) {
      const error = await parseError(response);
      this.lastRequestInternalStatusCode = error.internalCode;
      throw error.error;
    }
    if (response.headers.get("content-type") === "application/json") return response.json();
    return response.body;
  }

  models(params: ModelSearchParams = {}): Promise<ModelSearchItem[]> {
    return this.#transport.models(params);
  }

  /** AI Gateway's binding methods for gateway `id`: getLog, patchLog, getUrl and universal run. */
  gateway(id: string): AiGateway {
    return new AiGateway(this.#transport.gateway, id);
  }

  /** Kept for `@cloudflare/ai` 1.1+, which reads logs after each run; Workers returns none either. */
  getLogs(): string[] {
    return [];
  }
}

/** workerd's `_parseError`: binding error JSON, else a REST `errors` array, else the text. */
export async function parseError(response: Response): Promise<{ error: InferenceUpstreamError; internalCode: number | null }> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { internalCode?: number; description?: string; name?: string; errors?: { code: number; message: string }[] };
    if (body.internalCode) {
      return { error: new InferenceUpstreamError(`${body.internalCode}: ${body.description}`, response.status, body.name), internalCode: body.internalCode };
    }
    const first = body.errors?.[0];
    if (first) return { error: new InferenceUpstreamError(`${first.code}: ${first.message}`, response.status), internalCode: null };
  } catch {
    // Not JSON: the text itself is the message, as workerd does.
  }
  return { error: new InferenceUpstreamError(text, response.status), internalCode: null };
}
