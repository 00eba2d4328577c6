import { OutpostError, tapEvents, type EngineJob, type EngineLoadOptions, type EngineResult, type LoadedModelInfo, type RunOptions } from "../contract/index.js";
import { toDescriptor, type CatalogEntry } from "../catalog/index.js";
import { HEALTHY_AFTER_MS, LOADING_RETRY_AFTER_S, RESTART_BACKOFF_MAX_MS, RESTART_BACKOFF_MS, RUNNER_OVERHEAD_BYTES } from "./constants.js";
import { pickEvictions } from "./eviction.js";
import type { Metrics } from "./metrics.js";

/** What the scheduler needs from a runner; RunnerProcess implements it, tests may fake it. */
export interface Runner {
  readonly alive: boolean;
  readonly exited: Promise<OutpostError>;
  load(options: EngineLoadOptions): Promise<LoadedModelInfo>;
  run(job: EngineJob, signal: AbortSignal): Promise<EngineResult>;
  /** Resident memory of the runner process in bytes, once loaded. */
  memoryBytes(): Promise<number>;
  kill(): void;
}

export interface SchedulerOptions {
  slots: number;
  maxQueue: number;
  queueTimeoutMs: number;
  keepAliveMs: number;
  threads: number;
  /**
   * llama.cpp threads that may compute at once across all models. A model starts serving only
   * when its `threads` fit; the rest wait in their queues, so the cores are never oversubscribed.
   */
  threadBudget: number;
  /** Loaded models may use at most this much memory together; idle ones are evicted LRU-first. */
  memoryBudgetBytes: number;
  /** Path and size of the verified weights file for a model. */
  resolveModelPath(entry: CatalogEntry): Promise<{ path: string; sizeBytes: number }>;
  spawnRunner(entry: CatalogEntry): Runner;
  metrics?: Metrics;
}

interface Waiter {
  /** Arrival order across all models, so CPU goes to the longest-waiting model first. */
  seq: number;
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
  restartNotBefore: number;
  memoryBytes: number;
  lastUsedAt: number;
}

export interface ResidentStatus {
  model: string;
  loaded: boolean;
  active: number;
  queued: number;
  memoryBytes: number;
}

/**
 * Residency and admission: one runner per model, loaded on first use (concurrent first
 * requests share one load), `slots` requests at a time, a bounded FIFO queue behind them that
 * refuses at once when full, unload after keep-alive, and LRU eviction of idle models under the
 * memory budget. A crashed runner is replaced on the next request, after a backoff that
 * doubles per consecutive crash.
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #residents = new Map<string, Resident>();
  readonly #threadBudget: number;
  #threadsInUse = 0;
  #arrivals = 0;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    // One model must always be able to run, even if its threads alone exceed the budget.
    this.#threadBudget = Math.max(options.threadBudget, options.threads);
  }

  async execute(entry: CatalogEntry, job: EngineJob, options: RunOptions): Promise<EngineResult> {
    const resident = this.#resident(entry);
    if (options.rejectIfBusy && resident.loading) {
      throw new OutpostError("MODEL_LOADING", `${entry.id} is loading`, { retryAfterS: LOADING_RETRY_AFTER_S });
    }
    const deadline = Date.now() + (options.queueTimeoutMs ?? this.#options.queueTimeoutMs);
    await this.#admit(resident, options, deadline);
    if (options.keepAliveMs !== undefined) resident.keepAliveMs = options.keepAliveMs;
    resident.lastUsedAt = Date.now();
    const signal = options.signal ?? new AbortController().signal;
    let result: EngineResult;
    try {
      if (signal.aborted) throw new OutpostError("ABORTED", "The request was cancelled");
      const runner = await withDeadline(this.#ensureLoaded(resident), deadline, `Timed out waiting for ${entry.id} to load`);
      result = await runner.run(job, signal);
    } catch (error) {
      this.#release(resident);
      throw error;
    }
    // A stream holds its slot until it ends (or its consumer stops), a json value not at all.
    const finish = () => this.#release(resident);
    if (result.kind === "events") return { kind: "events", events: tapEvents(result.events, { finish }) };
    if (result.kind === "bytes") return { ...result, chunks: tapEvents(result.chunks, { finish }) };
    finish();
    return result;
  }

  status(): ResidentStatus[] {
    return [...this.#residents.values()].map((r) => ({
      model: r.entry.id,
      loaded: r.runner?.alive === true,
      active: r.active,
      queued: r.queue.length,
      memoryBytes: r.runner ? r.memoryBytes : 0,
    }));
  }

  /** Stops every runner and refuses everything queued. */
  close(): void {
    for (const resident of this.#residents.values()) {
      clearTimeout(resident.idleTimer);
      const runner = resident.runner;
      resident.runner = undefined;
      runner?.kill();
      for (const waiter of resident.queue.splice(0)) waiter.reject(new OutpostError("ABORTED", "The server is shutting down"));
    }
  }

  #resident(entry: CatalogEntry): Resident {
    let resident = this.#residents.get(entry.id);
    if (!resident) {
      resident = {
        entry,
        runner: undefined,
        loading: undefined,
        active: 0,
        queue: [],
        keepAliveMs: this.#options.keepAliveMs,
        idleTimer: undefined,
        crashes: 0,
        restartNotBefore: 0,
        memoryBytes: 0,
        lastUsedAt: 0,
      };
      this.#residents.set(entry.id, resident);
    }
    return resident;
  }

  /** A request may start now: a free slot, and CPU threads for the model if it is not yet computing. */
  #canStart(resident: Resident): boolean {
    if (resident.active >= this.#options.slots) return false;
    return resident.active > 0 || this.#threadsInUse + this.#options.threads <= this.#threadBudget;
  }

  #start(resident: Resident): void {
    if (resident.active === 0) this.#threadsInUse += this.#options.threads;
    resident.active += 1;
  }

  /**
   * Refuses (QUEUE_FULL) a request for `model` that would find its queue full now, so that
   * surfaces can answer from the path and headers, before reading the body. Requests that pass
   * are still admitted by execute(), which decides with their options.
   */
  checkCapacity(model: string): void {
    const resident = this.#residents.get(model);
    if (!resident || resident.queue.length < this.#options.maxQueue) return;
    if (resident.queue.length === 0 && this.#canStart(resident)) return;
    throw this.#refusal(resident, `${model} has ${resident.queue.length} requests waiting`);
  }

  #refusal(resident: Resident, why: string): OutpostError {
    this.#options.metrics?.rejections.inc({ model: resident.entry.id });
    return new OutpostError("QUEUE_FULL", `Out of capacity: ${why}`, { retryAfterS: 1 });
  }

  /** Takes a slot now, or waits in the bounded queue; a full queue and rejectIfBusy refuse at once. */
  #admit(resident: Resident, options: RunOptions, deadline: number): Promise<void> {
    clearTimeout(resident.idleTimer);
    if (resident.queue.length === 0 && this.#canStart(resident)) {
      this.#start(resident);
      return Promise.resolve();
    }
    const model = resident.entry.id;
    if (options.rejectIfBusy || resident.queue.length >= this.#options.maxQueue) {
      return Promise.reject(this.#refusal(resident, options.rejectIfBusy ? `${model} is busy` : `${model} has ${resident.queue.length} requests waiting`));
    }
    return new Promise<void>((resolve, reject) => {
      const leave = (error: OutpostError) => {
        const index = resident.queue.indexOf(waiter);
        if (index >= 0) resident.queue.splice(index, 1);
        waiter.reject(error);
      };
      const timeoutMs = Math.max(0, deadline - Date.now());
      const timer = setTimeout(() => leave(new OutpostError("TIMEOUT", `Timed out after ${timeoutMs} ms waiting for a free slot of ${model}`)), timeoutMs);
      const onAbort = () => leave(new OutpostError("ABORTED", "The request was cancelled while queued"));
      const cleanup = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
      };
      const waiter: Waiter = {
        seq: this.#arrivals++,
        resolve: () => (cleanup(), resolve()),
        reject: (error) => (cleanup(), reject(error)),
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      resident.queue.push(waiter);
    });
  }

  /**
   * Hands the slot to the model's next waiter (FIFO). A model left idle gives its threads back,
   * arms its keep-alive timer, and lets models waiting for CPU start.
   */
  #release(resident: Resident): void {
    resident.lastUsedAt = Date.now();
    const next = resident.queue.shift();
    if (next) {
      next.resolve();
      return;
    }
    resident.active -= 1;
    if (resident.active > 0) return;
    this.#threadsInUse -= this.#options.threads;
    clearTimeout(resident.idleTimer);
    resident.idleTimer = setTimeout(() => this.#unload(resident), resident.keepAliveMs);
    resident.idleTimer.unref();
    this.#startWaitingModels();
  }

  /** Gives free threads to idle models with waiters, longest-waiting first, filling their slots. */
  #startWaitingModels(): void {
    while (true) {
      const waiting = [...this.#residents.values()].filter((r) => r.active === 0 && r.queue.length > 0 && this.#canStart(r));
      const first = waiting.sort((a, b) => (a.queue[0]?.seq ?? 0) - (b.queue[0]?.seq ?? 0))[0];
      if (!first) return;
      while (first.queue.length > 0 && this.#canStart(first)) {
        this.#start(first);
        first.queue.shift()?.resolve();
      }
    }
  }

  #unload(resident: Resident): void {
    if (resident.active > 0) return;
    const runner = resident.runner;
    resident.runner = undefined;
    runner?.kill();
  }

  #ensureLoaded(resident: Resident): Promise<Runner> {
    if (resident.runner?.alive) return Promise.resolve(resident.runner);
    resident.loading ??= this.#load(resident).finally(() => (resident.loading = undefined));
    return resident.loading;
  }

  async #load(resident: Resident): Promise<Runner> {
    const wait = resident.restartNotBefore - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const { path, sizeBytes } = await this.#options.resolveModelPath(resident.entry);
    this.#makeRoom(resident, sizeBytes + RUNNER_OVERHEAD_BYTES);
    const runner = this.#options.spawnRunner(resident.entry);
    const startedAt = Date.now();
    void runner.exited.then(() => this.#onExit(resident, runner, startedAt));
    try {
      // The engine reads what it needs from the descriptor: the scheduler knows no engine's settings.
      await runner.load({ model: toDescriptor(resident.entry), path, slots: this.#options.slots, threads: this.#options.threads });
      resident.memoryBytes = await runner.memoryBytes();
    } catch (error) {
      runner.kill();
      throw error;
    }
    resident.runner = runner;
    this.#options.metrics?.loads.inc({ model: resident.entry.id });
    return runner;
  }

  /** Evicts idle models until `needBytes` fits the budget, or refuses the load. */
  #makeRoom(resident: Resident, needBytes: number): void {
    const loaded = [...this.#residents.values()].filter((r) => r !== resident && r.runner);
    const candidates = loaded.map((r) => ({ model: r.entry.id, active: r.active, memoryBytes: r.memoryBytes, lastUsedAt: r.lastUsedAt }));
    const evict = pickEvictions(candidates, needBytes, this.#options.memoryBudgetBytes);
    if (!evict) {
      throw new OutpostError("MODEL_LOADING", `Not enough memory to load ${resident.entry.id}: it needs about ${needBytes} bytes and busy models hold the rest of the ${this.#options.memoryBudgetBytes}-byte budget`, { retryAfterS: LOADING_RETRY_AFTER_S });
    }
    for (const model of evict) {
      const victim = this.#residents.get(model);
      if (!victim) continue;
      clearTimeout(victim.idleTimer);
      this.#unload(victim);
      this.#options.metrics?.evictions.inc({ model });
    }
  }

  /** Backs off only after a crash: an unload clears `resident.runner` before the kill. */
  #onExit(resident: Resident, runner: Runner, startedAt: number): void {
    if (resident.runner !== runner) return;
    resident.runner = undefined;
    this.#options.metrics?.restarts.inc({ model: resident.entry.id });
    const crashed = Date.now() - startedAt < HEALTHY_AFTER_MS ? resident.crashes + 1 : 1;
    resident.crashes = crashed;
    resident.restartNotBefore = Date.now() + Math.min(RESTART_BACKOFF_MS * 2 ** (crashed - 1), RESTART_BACKOFF_MAX_MS);
  }
}

/** Rejects with TIMEOUT if `promise` has not settled by `deadline` (the promise itself goes on). */
function withDeadline<T>(promise: Promise<T>, deadline: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new OutpostError("TIMEOUT", message)), Math.max(0, deadline - Date.now()));
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}
