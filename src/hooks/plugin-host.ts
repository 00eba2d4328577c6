import { randomUUID } from "node:crypto";
import { Counter, type Registry } from "prom-client";
import { ERRORS, OutpostError, type Backend, type ErrorCode, type RunOptions, type RunResult } from "../contract/index.js";
import { FAILURE_LOG_INTERVAL_MS } from "./constants.js";
import { HookFailure, PluginWorker, type PluginLimits } from "./plugin-worker.js";
import type { TokenBatchResult } from "./protocol.js";
import { watchAnswer, type Observation } from "./response.js";
import { filterTokens } from "./token-filter.js";
import type { HookContext, HookName, OnRequestContext, PluginSpec, RequestDecision } from "./types.js";

type RunFn = (model: string, inputs: unknown, options?: RunOptions) => Promise<RunResult>;

export interface PluginHostOptions extends PluginLimits {
  log(line: string): void;
}

type TaskOf = (model: string) => string;


/**
 * The operator's plugins, in the order configured, and the two places they act: `wrapRun` at
 * the node that received a request (onRequest, onResponse, onError, onUsage) and
 * `wrapBackend` at the node that serves it (onToken). onRequest and onToken are awaited; the
 * other three only observe, and are sent without waiting. A hook no plugin exports costs nothing.
 */
export class PluginHost {
  readonly #plugins: PluginWorker[];
  readonly #options: PluginHostOptions;
  readonly #failures: Counter<"plugin" | "hook" | "reason">;
  readonly #restarts: Counter<"plugin">;
  readonly #logged = new Map<string, { at: number; skipped: number }>();

  private constructor(plugins: PluginWorker[], options: PluginHostOptions) {
    this.#plugins = plugins;
    this.#options = options;
    this.#failures = new Counter({ name: "outpost_hook_failures_total", help: "Plugin hook calls that threw, timed out or lost their thread.", labelNames: ["plugin", "hook", "reason"], registers: [] });
    this.#restarts = new Counter({ name: "outpost_plugin_restarts_total", help: "Plugin threads replaced after exiting, running out of memory or hanging.", labelNames: ["plugin"], registers: [] });
  }

  /** Serves the failure and restart counters in `registry` (GET /metrics). */
  countIn(registry: Registry): void {
    registry.registerMetric(this.#failures);
    registry.registerMetric(this.#restarts);
  }

  /** Starts every plugin's thread; a module that cannot be loaded, or exports no hook, throws. */
  static async load(specs: PluginSpec[], options: PluginHostOptions): Promise<PluginHost> {
    const host = new PluginHost([], options);
    try {
      for (const spec of specs) {
        const plugin: PluginWorker = await PluginWorker.load(spec, options, {
          restarted: (reason) => {
            options.log(`plugin ${spec.path}: restarting its thread: ${reason}`);
            host.#restarts.inc({ plugin: plugin.name });
          },
          notifyFailed: (hook, message) => host.#failed(plugin, hook, "threw", message),
        });
        host.#plugins.push(plugin);
      }
    } catch (error) {
      await host.close();
      throw error;
    }
    return host;
  }

  /** The receiving node's run: onRequest before it, onResponse / onError / onUsage after. `taskOf` throws for an unknown model. */
  wrapRun(run: RunFn, taskOf: TaskOf): RunFn {
    const onRequest = this.#exporting("onRequest");
    const onResponse = this.#exporting("onResponse");
    const after = this.#exporting("onResponse", "onError", "onUsage");
    if (onRequest.length === 0 && after.length === 0) return run;
    return async (model, inputs, options = {}) => {
      const ctx: HookContext = {
        requestId: options.context?.requestId ?? randomUUID(),
        model,
        task: taskName(taskOf, model),
        account: options.context?.account ?? options.principal?.account ?? options.account ?? "local",
        metadata: { ...options.context?.metadata },
      };
      for (const plugin of onRequest) {
        const decision = (await this.#invoke(plugin, "onRequest", { ...ctx, inputs })) as RequestDecision | undefined;
        if (!decision || typeof decision !== "object") continue;
        if (decision.reject) throw rejection(plugin, decision.reject);
        if (typeof decision.model === "string" && decision.model) ctx.model = decision.model;
        ctx.task = taskName(taskOf, ctx.model);
        if (decision.inputs !== undefined) inputs = decision.inputs;
        if (decision.metadata && typeof decision.metadata === "object") Object.assign(ctx.metadata, decision.metadata);
      }
      const context = { requestId: ctx.requestId, account: ctx.account, metadata: ctx.metadata };
      let result: RunResult;
      try {
        result = await run(ctx.model, inputs, { ...options, context });
      } catch (error) {
        this.#observe(ctx, [{ hook: "onError", arg: OutpostError.from(error).toWire() }]);
        throw error;
      }
      if (after.length === 0) return result;
      return watchAnswer(result, { observe: (calls) => this.#observe(ctx, calls), wantsText: onResponse.length > 0 });
    };
  }

  /** The serving node's backend: streamed results pass through onToken. */
  wrapBackend(backend: Backend): Backend {
    const plugins = this.#exporting("onToken");
    if (plugins.length === 0) return backend;
    const execute: Backend["execute"] = async (model, job, options) => {
      // The caller's signal (one per request) stops it too. Not AbortSignal.any, which costs
      // Node 20 about 20 µs of CPU more than a listener.
      const stopper = new AbortController();
      const parent = options.signal;
      if (parent?.aborted) stopper.abort(parent.reason);
      else parent?.addEventListener("abort", () => stopper.abort(parent.reason), { once: true });
      const result = await backend.execute(model, job, { ...options, signal: stopper.signal });
      if (result.kind !== "events") return result;
      const ctx: HookContext = {
        requestId: options.context?.requestId ?? randomUUID(),
        model,
        task: taskName((id) => backend.describe(id).task, model),
        account: options.context?.account ?? "local",
        metadata: options.context?.metadata ?? {},
      };
      const events = filterTokens(result.events, {
        apply: (texts) => this.#tokens(plugins, ctx, texts),
        stop: () => stopper.abort(),
        end: () => plugins.forEach((plugin) => plugin.release(ctx.requestId)),
      });
      return { kind: "events", events };
    };
    return {
      describe: (model) => backend.describe(model),
      execute,
      checkCapacity: backend.checkCapacity ? (model) => backend.checkCapacity?.(model) : undefined,
      search: (params) => backend.search(params),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.#plugins.map((plugin) => plugin.close()));
  }

  /** Each plugin in turn sees the texts the one before it let through; a failing fail-open plugin passes them on unchanged. */
  async #tokens(plugins: PluginWorker[], ctx: HookContext, texts: string[]): Promise<TokenBatchResult> {
    let stopAt: number | undefined;
    for (const plugin of plugins) {
      const answer = (await this.#invoke(plugin, "onToken", ctx, texts)) as TokenBatchResult | undefined;
      if (!answer) continue;
      texts = answer.texts;
      if (answer.stopAt !== undefined) stopAt = answer.stopAt;
      if (texts.length === 0) break;
    }
    return { texts, stopAt };
  }

  /** Tells each plugin the calls of hooks it exports, in one message, without waiting: its thread answers only if one fails. */
  #observe(ctx: HookContext, calls: Observation[]): void {
    for (const plugin of this.#plugins) {
      const mine = calls.filter((call) => plugin.hooks.has(call.hook));
      if (mine.length > 0) plugin.notify(mine, ctx);
    }
  }

  /** One hook call; a failure is counted and logged, then skipped (fail open) or thrown as HOOK_FAILED (fail closed). */
  async #invoke(plugin: PluginWorker, hook: "onRequest" | "onToken", ctx: HookContext | OnRequestContext, arg?: unknown): Promise<unknown> {
    try {
      return await plugin.call(hook, ctx, arg);
    } catch (error) {
      const reason = error instanceof HookFailure ? error.reason : "threw";
      this.#failed(plugin, hook, reason, (error as Error).message);
      if (plugin.spec.failMode === "closed") {
        throw new OutpostError("HOOK_FAILED", `Plugin ${plugin.name} failed in ${hook} (${reason})`, { cause: error });
      }
      return undefined;
    }
  }

  #failed(plugin: PluginWorker, hook: HookName, reason: HookFailure["reason"], message: string): void {
    this.#failures.inc({ plugin: plugin.name, hook, reason });
    this.#logFailure(`plugin ${plugin.spec.path}: ${hook} ${reason}`, message);
  }

  /**
   * A failing plugin fails every token batch of every stream: one line per kind of failure per
   * FAILURE_LOG_INTERVAL_MS, saying how many were not logged. The counter has them all.
   */
  #logFailure(kind: string, message: string): void {
    const now = performance.now();
    const last = this.#logged.get(kind);
    if (last && now - last.at < FAILURE_LOG_INTERVAL_MS) {
      last.skipped += 1;
      return;
    }
    this.#logged.set(kind, { at: now, skipped: 0 });
    this.#options.log(`${kind}: ${message}${last?.skipped ? ` (and ${last.skipped} more like it since the last line)` : ""}`);
  }

  #exporting(...hooks: HookName[]): PluginWorker[] {
    return this.#plugins.filter((plugin) => hooks.some((hook) => plugin.hooks.has(hook)));
  }

}

function taskName(taskOf: TaskOf, model: string): string {
  try {
    return taskOf(model);
  } catch {
    return "unknown";
  }
}

/** A plugin's `reject`, as the error the client gets; a code Outpost does not know is FORBIDDEN. */
function rejection(plugin: PluginWorker, reject: NonNullable<RequestDecision["reject"]>): OutpostError {
  const code: ErrorCode = typeof reject.code === "string" && reject.code in ERRORS ? reject.code : "FORBIDDEN";
  const message = typeof reject.message === "string" && reject.message ? reject.message : `Refused by plugin ${plugin.name}`;
  return new OutpostError(code, message);
}
