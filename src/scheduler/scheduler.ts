import { OutpostError, type EngineJob, type EngineResult, type RunEvent, type RunOptions } from "../contract/index.js";
import type { CatalogEntry } from "../catalog/index.js";
import type { EngineLoadOptions, LoadedModelInfo } from "../engines/index.js";
import { HEALTHY_AFTER_MS, RESTART_BACKOFF_MAX_MS, RESTART_BACKOFF_MS } from "./constants.js";

/** What the scheduler needs from a runner; RunnerProcess implements it, tests may fake it. */
export interface Runner {
  readonly alive: boolean;
  readonly exited: Promise<OutpostError>;
  load(options: EngineLoadOptions): Promise<LoadedModelInfo>;
  run(job: EngineJob, signal: AbortSignal): Promise<EngineResult>;
  kill(): void;
}

export interface SchedulerOptions {
  slots: number;
  maxQueue: number;
  queueTimeoutMs: number;
  keepAliveMs: number;
  threads: number;
  /** Path of the verified weights file for a model. */
  resolveModelPath(entry: CatalogEntry): Promise<string>;
  spawnRunner(entry: CatalogEntry): Runner;
}

interface Waiter {
  resolve(): void;
  reject(error: OutpostError): void;
}

/** Per-model residency state. Only this file mutates it. */
interface Resident {
  entry: CatalogEntry;
  runner: Runner | undefined;
  loading: Promise<Runner> | undefined;
  active: number;
  queue: Waiter[];
  keepAliveMs: number;
  idleTimer: NodeJS.Timeout | undefined;
  crashes: number;
  startedAt: number;
  restartNotBefore: number;
}

export interface ResidentStatus {
  model: string;
  loaded: boolean;
  active: number;
  queued: number;
}

/**
 * Residency and admission: one runner per model, loaded on first use (concurrent first
 * requests share one load), `slots` requests at a time, a bounded FIFO queue behind them that
 * refuses at once when full, and unload after keep-alive. A crashed runner is replaced on the
 * next request, after a backoff that doubles per consecutive crash.
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #residents = new Map<string, Resident>();

  constructor(options: SchedulerOptions) {
    this.#options = options;
  }

  async execute(entry: CatalogEntry, job: EngineJob, options: RunOptions): Promise<EngineResult> {
    const resident = this.#resident(entry);
    await this.#admit(resident, options);
    if (options.keepAliveMs !== undefined) resident.keepAliveMs = options.keepAliveMs;
    const signal = options.signal ?? new AbortController().signal;
    let result: EngineResult;
    try {
      if (signal.aborted) throw new OutpostError("ABORTED", "The request was cancelled");
      const runner = await this.#ensureLoaded(resident);
      result = await runner.run(job, signal);
    } catch (error) {
      this.#release(resident);
      throw error;
    }
    if (result.kind === "events") return { kind: "events", events: this.#releasing(resident, result.events) };
    this.#release(resident);
    return result;
  }

  status(): ResidentStatus[] {
    return [...this.#residents.values()].map((r) => ({ model: r.entry.id, loaded: r.runner?.alive === true, active: r.active, queued: r.queue.length }));
  }

  /** Stops every runner. */
  close(): void {
    for (const resident of this.#residents.values()) {
      clearTimeout(resident.idleTimer);
      resident.runner?.kill();
      for (const waiter of resident.queue.splice(0)) waiter.reject(new OutpostError("ABORTED", "The server is shutting down"));
    }
  }

  #resident(entry: CatalogEntry): Resident {
    let resident = this.#residents.get(entry.id);
    if (!resident) {
      resident = { entry, runner: undefined, loading: undefined, active: 0, queue: [], keepAliveMs: this.#options.keepAliveMs, idleTimer: undefined, crashes: 0, startedAt: 0, restartNotBefore: 0 };
      this.#residents.set(entry.id, resident);
    }
    return resident;
  }

  /** Takes a slot now, or waits in the bounded queue; full queue and rejectIfBusy refuse at once. */
  #admit(resident: Resident, options: RunOptions): Promise<void> {
    clearTimeout(resident.idleTimer);
    if (resident.active < this.#options.slots) {
      resident.active += 1;
      return Promise.resolve();
    }
    if (options.rejectIfBusy) {
      return Promise.reject(new OutpostError("QUEUE_FULL", `Out of capacity: every slot of ${resident.entry.id} is busy`, { retryAfterS: 1 }));
    }
    if (resident.queue.length >= this.#options.maxQueue) {
      return Promise.reject(new OutpostError("QUEUE_FULL", `Out of capacity: ${resident.entry.id} has ${resident.queue.length} requests waiting`, { retryAfterS: 1 }));
    }
    return new Promise<void>((resolve, reject) => {
      const timeoutMs = options.queueTimeoutMs ?? this.#options.queueTimeoutMs;
      const leave = (error: OutpostError) => {
        const index = resident.queue.indexOf(waiter);
        if (index >= 0) resident.queue.splice(index, 1);
        cleanup();
        reject(error);
      };
      const timer = setTimeout(() => leave(new OutpostError("TIMEOUT", `Timed out after ${timeoutMs} ms waiting for a free slot of ${resident.entry.id}`)), timeoutMs);
      const onAbort = () => leave(new OutpostError("ABORTED", "The request was cancelled while queued"));
      const cleanup = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
      };
      const waiter: Waiter = {
        resolve: () => {
          cleanup();
          resolve();
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      resident.queue.push(waiter);
    });
  }

  #release(resident: Resident): void {
    const next = resident.queue.shift();
    if (next) {
      next.resolve();
      return;
    }
    resident.active -= 1;
    if (resident.active === 0) {
      clearTimeout(resident.idleTimer);
      resident.idleTimer = setTimeout(() => this.#unload(resident), resident.keepAliveMs);
      resident.idleTimer.unref();
    }
  }

  async *#releasing(resident: Resident, events: AsyncIterable<RunEvent>): AsyncIterable<RunEvent> {
    try {
      yield* events;
    } finally {
      this.#release(resident);
    }
  }

  #unload(resident: Resident): void {
    if (resident.active > 0) return;
    resident.runner?.kill();
    resident.runner = undefined;
  }

  #ensureLoaded(resident: Resident): Promise<Runner> {
    if (resident.runner?.alive) return Promise.resolve(resident.runner);
    resident.loading ??= this.#load(resident).finally(() => (resident.loading = undefined));
    return resident.loading;
  }

  async #load(resident: Resident): Promise<Runner> {
    const wait = resident.restartNotBefore - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const modelPath = await this.#options.resolveModelPath(resident.entry);
    const runner = this.#options.spawnRunner(resident.entry);
    const startedAt = Date.now();
    void runner.exited.then(() => this.#onExit(resident, runner, startedAt));
    try {
      await runner.load({
        modelPath,
        contextTokens: resident.entry.contextTokens,
        slots: this.#options.slots,
        threads: this.#options.threads,
        embedding: resident.entry.task === "text-embeddings",
      });
    } catch (error) {
      runner.kill();
      throw error;
    }
    resident.runner = runner;
    resident.startedAt = startedAt;
    return runner;
  }

  /** Backs off only after a crash: an unload clears `resident.runner` before the kill. */
  #onExit(resident: Resident, runner: Runner, startedAt: number): void {
    if (resident.runner !== runner) return;
    resident.runner = undefined;
    const crashed = Date.now() - startedAt < HEALTHY_AFTER_MS ? resident.crashes + 1 : 1;
    resident.crashes = crashed;
    resident.restartNotBefore = Date.now() + Math.min(RESTART_BACKOFF_MS * 2 ** (crashed - 1), RESTART_BACKOFF_MAX_MS);
  }
}
