import { neuronsFor, type NeuronRate } from "../accounts/index.js";
import { OutpostError, tapEvents, type GatewayRequest, type RunEvent, type RunOptions, type RunResult } from "../contract/index.js";
import type { RunFn } from "../binding/index.js";
import { cacheKey, deterministic } from "./cache-key.js";
import type { CachedAnswer, ResponseCache } from "./cache.js";
import { MAX_CACHE_ENTRY_BYTES, MAX_LOGGED_CHARS } from "./constants.js";
import { newLogId, type Attempt, type GatewayLogEntry, type GatewayLogs } from "./logs.js";
import { GatewayRateLimiter } from "./rate-limit.js";
import type { GatewayRegistry } from "./registry.js";
import type { Gateway } from "./settings.js";

export interface GatewaysOptions {
  registry: GatewayRegistry;
  cache: ResponseCache;
  /** Where request logs go; without it nothing is logged (log ids are still sent). */
  logs?: GatewayLogs;
  /** The model's canonical id (an alias's target) and task; throws MODEL_NOT_FOUND. */
  describe: (model: string) => { id: string; task: string };
  /** A model's published neuron rate, for the neurons a log entry shows. */
  rateOf?: (model: string) => NeuronRate | undefined;
  /** Epoch ms; injected so TTLs and windows are tested without waiting. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Failures worth another try, on the same model or the next: 429 (but a used-up daily
 * allocation, which no retry fixes), 5xx, timeouts, and a model whose files are not here.
 */
export function retryable(error: OutpostError): boolean {
  if (error.code === "ALLOCATION_EXCEEDED") return false;
  return error.status === 429 || error.status >= 500 || error.code === "TIMEOUT" || error.code === "MODEL_NOT_LOCAL";
}

/** The wait before try `n + 1` of a model, in ms. */
export function retryDelayMs(retries: Gateway["retries"], n: number): number {
  if (retries.backoff === "constant") return retries.retryDelayMs;
  if (retries.backoff === "linear") return retries.retryDelayMs * n;
  return retries.retryDelayMs * 2 ** (n - 1);
}

interface Context {
  gateway: Gateway;
  request: GatewayRequest;
  logId: string;
  account: string;
  model: string;
  inputs: unknown;
  started: number;
  attempts: Attempt[];
}

/** The events of a cached stream, replayed in order. */
async function* replay(events: RunEvent[]): AsyncIterable<RunEvent> {
  yield* events;
}

function resultOf(answer: CachedAnswer): RunResult {
  if (answer.kind === "json") return { kind: "json", value: JSON.parse(answer.text) as unknown };
  if (answer.kind === "events") return { kind: "events", events: replay(answer.events) };
  return { kind: "bytes", contentType: answer.contentType, body: new Response(Buffer.from(answer.base64, "base64")).body! };
}

/**
 * `body` as it is read, and its bytes given to `whole` once it has all been read, while they
 * fit in `maxBytes`. A reader that stops early (a client gone) leaves `whole` uncalled.
 */
function keepWhole(body: ReadableStream<Uint8Array>, maxBytes: number, whole: (bytes: Buffer) => void): ReadableStream<Uint8Array> {
  let kept: Uint8Array[] | undefined = [];
  let size = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > maxBytes) kept = undefined;
        else kept?.push(chunk);
        controller.enqueue(chunk);
      },
      flush() {
        if (kept) whole(Buffer.concat(kept));
      },
    }),
  );
}

const usageOf = (value: unknown) => {
  const usage = (value as { usage?: { prompt_tokens?: number; completion_tokens?: number } } | null)?.usage;
  return { inputTokens: usage?.prompt_tokens ?? 0, outputTokens: usage?.completion_tokens ?? 0 };
};

/**
 * AI Gateway in front of run(): a request naming a gateway is rate limited, answered from the
 * cache when it can be, else run on its model and then on the gateway's fallbacks (each tried
 * as the retries say), cached, and logged. A request naming none passes straight through.
 */
export class Gateways {
  readonly #options: GatewaysOptions;
  readonly #limiter: GatewayRateLimiter;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: GatewaysOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#limiter = new GatewayRateLimiter(this.#now);
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  get registry(): GatewayRegistry {
    return this.#options.registry;
  }

  wrap(run: RunFn): RunFn {
    return (model, inputs, options = {}) => (options.gateway ? this.#serve(run, model, inputs, options, options.gateway) : run(model, inputs, options));
  }

  async #serve(run: RunFn, model: string, inputs: unknown, options: RunOptions, request: GatewayRequest): Promise<RunResult> {
    const gateway = this.#options.registry.get(request.id);
    this.#limiter.admit(gateway);
    const context: Context = {
      gateway,
      request,
      logId: newLogId(this.#now()),
      account: options.principal?.account ?? options.account ?? "local",
      model,
      inputs,
      started: performance.now(),
      attempts: [],
    };
    try {
      const asked = this.#options.describe(model);
      const ttlS = request.cacheTtlS ?? gateway.cacheTtlS;
      const cacheable = request.skipCache !== true && ttlS > 0 && (gateway.cacheNondeterministic || deterministic(asked.task, inputs));
      const key = cacheable ? cacheKey(gateway.id, context.account, asked.id, inputs, request.cacheKey) : undefined;
      const hit = key === undefined ? undefined : this.#options.cache.get(key);
      if (hit) {
        options.onGateway?.({ logId: context.logId, cacheStatus: "HIT", model: asked.id });
        const result = resultOf(hit);
        const output = result.kind === "json" ? result.value : hit.kind === "events" ? textOf(hit.events) : hit.kind === "bytes" ? { contentType: hit.contentType } : undefined;
        const usage = usageOf(hit.kind === "events" ? doneOf(hit.events) : output);
        // An answer from the cache costs no neurons, as on AI Gateway.
        this.#log(context, { servedModel: asked.id, status: 200, cacheStatus: "HIT", output, ...usage }, 0);
        return result;
      }
      let lastFailure: OutpostError | undefined;
      for (const candidate of this.#chain(asked, gateway, context.attempts)) {
        for (let attempt = 1; attempt <= (request.retries ?? gateway.retries).maxAttempts; attempt++) {
          if (attempt > 1) await this.#sleep(retryDelayMs(request.retries ?? gateway.retries, attempt - 1));
          let result: RunResult;
          try {
            result = await this.#attempt(run, candidate, inputs, options, request.requestTimeoutMs ?? gateway.requestTimeoutMs);
          } catch (error) {
            const failed = OutpostError.from(error);
            context.attempts.push({ model: candidate, code: failed.code, message: failed.message });
            lastFailure = failed;
            if (!retryable(failed) || options.signal?.aborted) throw failed;
            continue;
          }
          options.onGateway?.({ logId: context.logId, cacheStatus: "MISS", model: candidate });
          // Only the model asked for fills the cache: a fallback's answer is not what that model would say.
          return this.#finish(context, result, candidate, candidate === asked.id ? key : undefined, ttlS);
        }
      }
      // The chain always starts with the model asked for, so something was tried and failed.
      throw lastFailure ?? new OutpostError("INTERNAL", `No model could serve ${model}`);
    } catch (error) {
      const failed = OutpostError.from(error);
      this.#log(context, { servedModel: context.attempts.at(-1)?.model ?? model, status: failed.status, cacheStatus: "MISS", error: failed.message, attempts: context.attempts.slice(0, -1) });
      throw failed;
    }
  }

  /**
   * The model asked for, then each fallback serving the same task, each once (an alias of one
   * already listed included); fallbacks are looked at only when reached, so a request its own
   * model serves logs nothing about them.
   */
  *#chain(asked: { id: string; task: string }, gateway: Gateway, attempts: Attempt[]): Iterable<string> {
    const tried = [asked.id];
    yield asked.id;
    for (const fallback of gateway.fallbacks) {
      let described: { id: string; task: string };
      try {
        described = this.#options.describe(fallback);
      } catch (error) {
        attempts.push({ model: fallback, code: OutpostError.from(error).code, message: OutpostError.from(error).message });
        continue;
      }
      if (described.task !== asked.task) attempts.push({ model: described.id, code: "INPUT_INVALID", message: `${described.id} serves ${described.task}, not ${asked.task}` });
      else if (!tried.includes(described.id)) {
        tried.push(described.id);
        yield described.id;
      }
    }
  }

  /** One try of one model; with a request timeout, a model with no result by then is stopped and counts as TIMEOUT. */
  async #attempt(run: RunFn, model: string, inputs: unknown, options: RunOptions, timeoutMs: number | undefined): Promise<RunResult> {
    const { gateway: _gateway, onGateway: _onGateway, ...rest } = options;
    if (timeoutMs === undefined) return run(model, inputs, rest);
    const controller = new AbortController();
    // The caller going away still stops the model, for the whole stream, not only until the timeout.
    options.signal?.addEventListener("abort", () => controller.abort(options.signal?.reason), { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      return await run(model, inputs, { ...rest, signal: controller.signal });
    } catch (error) {
      if (timedOut) throw new OutpostError("TIMEOUT", `${model} did not answer within the gateway's request timeout (${timeoutMs} ms)`, { cause: error });
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Passes the result on, caching it (a stream once it ends well) and logging it when it is done. */
  #finish(context: Context, result: RunResult, served: string, key: string | undefined, ttlS: number): RunResult {
    const { cache } = this.#options;
    const done = { servedModel: served, cacheStatus: "MISS" as const, attempts: context.attempts };
    if (result.kind === "json") {
      const text = key === undefined ? undefined : JSON.stringify(result.value);
      if (key !== undefined && text !== undefined && text.length <= MAX_CACHE_ENTRY_BYTES) cache.put(key, context.gateway.id, { kind: "json", text }, ttlS);
      this.#log(context, { ...done, status: 200, output: result.value, ...usageOf(result.value) });
      return result;
    }
    if (result.kind === "bytes") {
      this.#log(context, { ...done, status: 200, output: { contentType: result.contentType } });
      if (key === undefined) return result;
      // Base64 is 4/3 of the bytes: the stored entry stays within the same bound as any other.
      const body = keepWhole(result.body, (MAX_CACHE_ENTRY_BYTES * 3) / 4, (bytes) => cache.put(key, context.gateway.id, { kind: "bytes", contentType: result.contentType, base64: bytes.toString("base64") }, ttlS));
      return { ...result, body };
    }
    let kept: RunEvent[] | undefined = key === undefined ? undefined : [];
    let keptBytes = 0;
    let text = "";
    let end: RunEvent | undefined;
    let promptTokens: number | undefined;
    const events = tapEvents(result.events, {
      event: (event) => {
        if (event.type === "token") promptTokens ??= event.promptTokens;
        if (event.type === "token" && text.length < MAX_LOGGED_CHARS) text += event.text;
        if (event.type === "done" || event.type === "error") end = event;
        if (kept) {
          keptBytes += event.type === "token" || event.type === "call_text" ? event.text.length + 32 : 256;
          if (keptBytes > MAX_CACHE_ENTRY_BYTES) kept = undefined;
          else kept.push(event);
        }
      },
      finish: () => {
        const failed = end?.type === "error" ? OutpostError.fromWire(end.error) : end === undefined ? new OutpostError("ABORTED", "The client went away before the stream ended") : undefined;
        if (end?.type === "done" && !end.incomplete && kept && key !== undefined) cache.put(key, context.gateway.id, { kind: "events", events: kept }, ttlS);
        // A stream that did not reach its end still read its prompt, whose size came with the first token.
        const usage = end?.type === "done" ? { inputTokens: end.usage.prompt_tokens, outputTokens: end.usage.completion_tokens } : { inputTokens: promptTokens ?? 0 };
        this.#log(context, { ...done, status: failed ? (end === undefined ? 499 : failed.status) : 200, output: text, ...usage, ...(failed ? { error: failed.message } : {}) });
      },
    });
    return { kind: "events", events };
  }

  #log(context: Context, fields: Partial<GatewayLogEntry> & Pick<GatewayLogEntry, "servedModel" | "status" | "cacheStatus">, neurons?: number): void {
    const { logs, rateOf } = this.#options;
    if (!logs || (context.request.collectLog ?? context.gateway.collectLogs) === false) return;
    const entry: GatewayLogEntry = {
      id: context.logId,
      gateway: context.gateway.id,
      at: new Date(this.#now()).toISOString(),
      account: context.account,
      model: context.model,
      latencyMs: performance.now() - context.started,
      inputTokens: 0,
      outputTokens: 0,
      attempts: context.attempts,
      metadata: context.request.metadata ?? {},
      ...(context.request.eventId === undefined ? {} : { eventId: context.request.eventId }),
      inputs: context.inputs,
      ...fields,
      neurons: 0,
    };
    let task = "unknown";
    try {
      task = this.#options.describe(entry.servedModel).task;
    } catch {
      // A model that is not known cost nothing.
    }
    entry.neurons = neurons ?? neuronsFor({ status: entry.status, task, promptTokens: entry.inputTokens, completionTokens: entry.outputTokens }, rateOf?.(entry.servedModel));
    logs.add(entry, context.gateway);
  }
}

const textOf = (events: RunEvent[]) => events.map((event) => (event.type === "token" ? event.text : "")).join("");
const doneOf = (events: RunEvent[]) => {
  const done = events.find((event) => event.type === "done");
  return done?.type === "done" ? { usage: done.usage } : undefined;
};
