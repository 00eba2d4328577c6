import { Counter, Histogram, type Registry } from "prom-client";
import { OutpostError, tapEvents, UNKNOWN_MODEL, type RequestRecord, type RunEvent, type RunOptions, type RunResult, type Usage } from "../contract/index.js";
import type { RunFn } from "./run.js";

/** Finished requests kept for `GET /api/requests` (the dashboard's latest requests). */
export const RECENT_REQUESTS = 100;

/** Latency buckets in seconds, from sub-millisecond tokens of tiny models to slow first tokens. */
const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Milliseconds between two performance.now() readings, to 0.1 ms. */
const elapsedMs = (from: number, to = performance.now()) => Math.round((to - from) * 10) / 10;

/** 499, nginx's "client closed request": the status of any request whose caller went away. */
const CLIENT_CLOSED = 499;

/**
 * The status a failed request is counted under. A client that disconnects aborts the run, and
 * whichever part notices first throws ABORTED (408); it is still the client that closed.
 */
function failedStatus(error: OutpostError, signal: AbortSignal | undefined): number {
  return signal?.aborted ? CLIENT_CLOSED : error.status;
}

/** What a request's record learns besides its outcome: who is metered, where it ran, its input tokens. */
type Who = Pick<RequestRecord, "account" | "tokenId" | "city" | "promptTokens" | "servedModel">;

/**
 * The request metrics of run(): requests by outcome, token timing and counts, alias use, and the
 * last finished requests (`GET /api/requests`, the usage meter). They register on the process's
 * registry (GET /metrics) beside the scheduler's, so one scrape shows both.
 */
export class RequestMetrics {
  readonly requests: Counter;
  readonly ttft: Histogram;
  readonly interToken: Histogram;
  readonly promptTokens: Counter;
  readonly completionTokens: Counter;
  /** Requests for an alias id (`--alias`), by the id asked for and the model that served it. */
  readonly aliased: Counter;
  /** The last RECENT_REQUESTS finished requests, oldest first. */
  readonly #recent: RequestRecord[] = [];
  readonly #listeners: ((record: RequestRecord) => void)[] = [];

  constructor(registry: Registry) {
    const registers = [registry];
    this.requests = new Counter({ name: "outpost_requests_total", help: "Requests by model, task and HTTP status.", labelNames: ["model", "task", "status"], registers });
    this.ttft = new Histogram({ name: "outpost_time_to_first_token_seconds", help: "From request start to the first token.", labelNames: ["model"], buckets: LATENCY_BUCKETS_S, registers });
    this.interToken = new Histogram({ name: "outpost_inter_token_latency_seconds", help: "Gap between consecutive tokens of a stream.", labelNames: ["model"], buckets: LATENCY_BUCKETS_S, registers });
    this.promptTokens = new Counter({ name: "outpost_prompt_tokens_total", help: "Prompt tokens processed.", labelNames: ["model"], registers });
    this.completionTokens = new Counter({ name: "outpost_completion_tokens_total", help: "Tokens generated.", labelNames: ["model"], registers });
    this.aliased = new Counter({ name: "outpost_alias_requests_total", help: "Requests for an alias, by the id asked for (model) and the model that served it.", labelNames: ["model", "served_model"], registers });
  }

  /**
   * Wraps run() to count every request by outcome and time its token stream. Labels carry only
   * ids `taskOf` knows (catalog or registered models): any other id a client sends is counted
   * under UNKNOWN_MODEL, so clients cannot mint label values and grow /metrics without bound.
   * The wrapper is not async and does not keep `inputs`: once run() has prepared its job, the
   * parsed request body can be collected while the request waits in a queue.
   */
  instrument(run: RunFn, taskOf: (model: string) => string, servedOf: (model: string) => string = (model) => model): RunFn {
    return (model, inputs, options) => {
      const started = performance.now();
      let label = UNKNOWN_MODEL;
      let task = "unknown";
      try {
        task = taskOf(model);
        label = model;
      } catch {
        // Unknown models are still counted, under one label and task "unknown".
      }
      // Who is metered, and (network mode) the city that served it, go into the request log.
      const principal = options?.principal;
      const placed: Who = principal?.tokenId ? { account: principal.account, tokenId: principal.tokenId } : { account: "local" };
      const served = label === UNKNOWN_MODEL ? model : servedOf(model);
      if (served !== model) {
        placed.servedModel = served;
        this.aliased.inc({ model, served_model: served });
      }
      const placedOptions: RunOptions = { ...options, onPlaced: (p) => ((placed.city = p.city), options?.onPlaced?.(p)) };
      return this.#observe(run(model, inputs, placedOptions), label, task, started, options?.signal, placed);
    };
  }

  async #observe(pending: Promise<RunResult>, model: string, task: string, started: number, signal: AbortSignal | undefined, placed: Who): Promise<RunResult> {
    try {
      const result = await pending;
      if (result.kind === "json") this.#finished({ model, task, status: 200, latencyMs: elapsedMs(started), ...this.#countUsage(model, result.value), ...placed });
      if (result.kind === "bytes") this.#finished({ model, task, status: 200, latencyMs: elapsedMs(started), ...placed });
      return result.kind === "events" ? { kind: "events", events: this.#timed(model, task, started, result.events, signal, placed) } : result;
    } catch (error) {
      const failed = OutpostError.from(error);
      this.#finished({ model, task, status: failedStatus(failed, signal), error: failed.message, code: failed.code, latencyMs: elapsedMs(started), ...placed });
      throw error;
    }
  }

  #timed(model: string, task: string, started: number, events: AsyncIterable<RunEvent>, signal: AbortSignal | undefined, placed: Who): AsyncIterable<RunEvent> {
    let first: number | undefined;
    let last: number | undefined;
    let tokens = 0;
    let promptTokens: number | undefined;
    // Stays 499 (client closed request) unless the stream reaches its done or error event.
    let status = CLIENT_CLOSED;
    let error: Pick<RequestRecord, "error" | "code"> = {};
    return tapEvents(events, {
      event: (event) => {
        if (event.type === "token") {
          const now = performance.now();
          if (last === undefined) this.ttft.observe({ model }, (now - started) / 1000);
          else this.interToken.observe({ model }, (now - last) / 1000);
          first ??= now;
          last = now;
          tokens += 1;
          // A stream cut short (its client gone) still read its prompt: counted at the finish unless `done` came.
          promptTokens ??= event.promptTokens;
        } else if (event.type === "done") {
          this.promptTokens.inc({ model }, event.usage.prompt_tokens);
          this.completionTokens.inc({ model }, event.usage.completion_tokens);
          tokens = event.usage.completion_tokens;
          placed.promptTokens = event.usage.prompt_tokens;
          status = 200;
        } else if (event.type === "error") {
          status = failedStatus(OutpostError.fromWire(event.error), signal);
          error = { error: event.error.message, code: event.error.code };
        }
      },
      finish: () => {
        if (status === CLIENT_CLOSED && promptTokens !== undefined) {
          this.promptTokens.inc({ model }, promptTokens);
          placed.promptTokens = promptTokens;
        }
        const ttft = first === undefined ? {} : { ttftMs: elapsedMs(started, first) };
        this.#finished({ model, task, status, ...error, latencyMs: elapsedMs(started), ...ttft, completionTokens: tokens, ...placed });
      },
    });
  }

  /**
   * Tokens of a whole (non-streamed) generation, from the usage in its result: they were
   * generated as surely as streamed ones. Embeddings usage has no completion tokens.
   */
  #countUsage(model: string, value: unknown): { promptTokens?: number; completionTokens?: number } {
    const usage = (value as { usage?: Partial<Usage> } | null)?.usage;
    const prompt = typeof usage?.prompt_tokens === "number" ? { promptTokens: usage.prompt_tokens } : {};
    if (prompt.promptTokens !== undefined) this.promptTokens.inc({ model }, prompt.promptTokens);
    if (typeof usage?.completion_tokens !== "number") return prompt;
    this.completionTokens.inc({ model }, usage.completion_tokens);
    return { ...prompt, completionTokens: usage.completion_tokens };
  }

  /** Finished requests, newest first. */
  recent(): RequestRecord[] {
    return this.#recent.toReversed();
  }

  /** Calls `listener` with every finished request (the usage meter and the request log). */
  onFinished(listener: (record: RequestRecord) => void): void {
    this.#listeners.push(listener);
  }

  #finished(record: Omit<RequestRecord, "at">): void {
    this.requests.inc({ model: record.model, task: record.task, status: String(record.status) });
    const finished: RequestRecord = { at: new Date().toISOString(), ...record };
    for (const listener of this.#listeners) listener(finished);
    this.#recent.push(finished);
    if (this.#recent.length > RECENT_REQUESTS) this.#recent.shift();
  }
}
