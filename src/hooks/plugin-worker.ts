import { basename, extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { FromWorker, ToWorker } from "./protocol.js";
import { MAX_UNSENT_RELEASES, RESTART_BACKOFF_MS } from "./constants.js";
import type { HookName, PluginSpec } from "./types.js";

const WORKER_ENTRY = fileURLToPath(new URL(`./worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

export interface PluginLimits {
  /** Longest one hook call (one batch of tokens for onToken) may take, in ms. */
  timeoutMs: number;
  /** V8 old-generation heap of the plugin's thread, in MiB; past it the thread is stopped and restarted. */
  memoryMb: number;
}

/** Why a hook call did not answer: the plugin threw, took longer than the limit, or its thread died. */
export class HookFailure extends Error {
  readonly reason: "threw" | "timeout" | "crashed";

  constructor(reason: HookFailure["reason"], message: string) {
    super(message);
    this.name = "HookFailure";
    this.reason = reason;
  }
}

/** What a plugin's thread reports besides answers. */
export interface PluginEvents {
  /** Its thread was replaced, and why. */
  restarted(reason: string): void;
  /** An observing hook (sent with notify) threw. */
  notifyFailed(hook: HookName, message: string): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: HookFailure): void;
  timer: NodeJS.Timeout;
}

/**
 * One plugin in its own worker thread, seen from the main thread. Hook calls are messages with
 * a time limit; a thread that exits (process.exit, out of memory, an uncaught error) or whose
 * event loop stops answering after a timeout (a synchronous loop) is replaced by a new one,
 * at most once per RESTART_BACKOFF_MS. The plugin can fail its own calls, never the server's.
 */
export class PluginWorker {
  readonly name: string;
  readonly spec: PluginSpec;
  /** The hooks the module exports, as its first thread found them. */
  readonly hooks: ReadonlySet<HookName>;
  readonly #limits: PluginLimits;
  readonly #events: PluginEvents;
  readonly #pending = new Map<number, Pending>();
  /** The live thread; undefined while a replacement waits out its backoff. */
  #worker: Worker | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  /** Streams ended whose state the thread has not been told to drop yet. */
  readonly #released: string[] = [];
  #startedAt = performance.now();
  #nextId = 0;
  #closed = false;

  private constructor(spec: PluginSpec, limits: PluginLimits, hooks: Set<HookName>, worker: Worker, events: PluginEvents) {
    this.spec = spec;
    this.name = basename(spec.path);
    this.hooks = hooks;
    this.#limits = limits;
    this.#events = events;
    this.#worker = worker;
    this.#watch(worker);
  }

  /** Starts the plugin's thread and waits until its module has loaded; a module that fails to load throws, naming the file. */
  static async load(spec: PluginSpec, limits: PluginLimits, events: PluginEvents): Promise<PluginWorker> {
    const worker = PluginWorker.#spawn(spec, limits);
    const hooks = await PluginWorker.#whenReady(worker).catch((error: Error) => {
      void worker.terminate();
      throw new Error(`plugin ${spec.path}: ${error.message}`, { cause: error });
    });
    if (hooks.length === 0) {
      void worker.terminate();
      throw new Error(`plugin ${spec.path}: exports none of onRequest, onToken, onResponse, onError, onUsage`);
    }
    return new PluginWorker(spec, limits, new Set(hooks), worker, events);
  }

  /** Runs one hook; rejects with a HookFailure, at once while the thread is being replaced. */
  call(hook: HookName, ctx: unknown, arg?: unknown): Promise<unknown> {
    const worker = this.#worker;
    if (!worker) return Promise.reject(new HookFailure("crashed", "its thread is being restarted"));
    const id = (this.#nextId += 1);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new HookFailure("timeout", `${hook} took longer than ${this.#limits.timeoutMs} ms`));
        this.#probe();
      }, this.#limits.timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      // A thread still loading its module holds the call until it has (worker.ts).
      worker.postMessage({ t: "call", id, hook, ctx, arg, released: this.#takeReleased() } satisfies ToWorker);
    });
  }

  /**
   * Runs an observing hook without waiting: the thread answers only if it throws. One that
   * never settles costs its thread's heap (bounded); one that blocks the thread is found by
   * the next awaited call's timeout. While the thread is being replaced the call is dropped.
   */
  notify(calls: { hook: HookName; arg: unknown }[], ctx: unknown): void {
    this.#worker?.postMessage({ t: "notify", calls, ctx, released: this.#takeReleased() } satisfies ToWorker);
  }

  /** Forgets a finished stream's onToken state, with the next message or once MAX_UNSENT_RELEASES have ended. */
  release(requestId: string): void {
    this.#released.push(requestId);
    if (this.#released.length >= MAX_UNSENT_RELEASES) this.#worker?.postMessage({ t: "release", requestIds: this.#takeReleased() ?? [] } satisfies ToWorker);
  }

  #takeReleased(): string[] | undefined {
    if (this.#released.length === 0) return undefined;
    return this.#released.splice(0);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#restartTimer);
    await this.#worker?.terminate();
  }

  #watch(worker: Worker): void {
    worker.on("message", (message: FromWorker) => {
      if (message.t === "notify-failed") return this.#events.notifyFailed(message.hook, message.message);
      if (message.t !== "result" && message.t !== "failed") return;
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      clearTimeout(pending.timer);
      if (message.t === "result") pending.resolve(message.value);
      else pending.reject(new HookFailure("threw", message.message));
    });
    let cause = "its thread exited";
    worker.on("error", (error) => (cause = error.message));
    worker.on("exit", (code) => {
      if (worker !== this.#worker || this.#closed) return;
      this.#failPending("crashed", `${cause} (exit code ${code})`);
      // The thread's states died with it.
      this.#released.length = 0;
      this.#restart(`${cause} (exit code ${code})`);
    });
  }

  #failPending(reason: HookFailure["reason"], message: string): void {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(id);
      pending.reject(new HookFailure(reason, message));
    }
  }

  /** After a timeout: a thread that cannot answer a ping within the limit is stuck, and is replaced. */
  #probe(): void {
    const worker = this.#worker;
    if (!worker) return;
    const id = (this.#nextId += 1);
    const onPong = (message: FromWorker) => {
      if (message.t !== "pong" || message.id !== id) return;
      clearTimeout(timer);
      worker.off("message", onPong);
    };
    const timer = setTimeout(() => {
      worker.off("message", onPong);
      if (worker !== this.#worker || this.#closed) return;
      this.#failPending("timeout", "its thread stopped answering (a synchronous loop?)");
      // Cleared first, so this thread's exit is not taken for a second crash.
      this.#worker = undefined;
      void worker.terminate();
      this.#restart("its thread stopped answering after a timeout");
    }, this.#limits.timeoutMs);
    worker.on("message", onPong);
    worker.postMessage({ t: "ping", id } satisfies ToWorker);
  }

  /** A new thread, no sooner than RESTART_BACKOFF_MS after the last start: a module that exits as it loads does not spin. */
  #restart(reason: string): void {
    this.#events.restarted(reason);
    this.#worker = undefined;
    const wait = Math.max(0, this.#startedAt + RESTART_BACKOFF_MS - performance.now());
    this.#restartTimer = setTimeout(() => {
      if (this.#closed) return;
      const worker = PluginWorker.#spawn(this.spec, this.#limits);
      this.#startedAt = performance.now();
      this.#worker = worker;
      this.#watch(worker);
      PluginWorker.#whenReady(worker).catch((error: Error) => {
        // A module that now fails to load: this thread is useless, try again after the backoff.
        if (worker !== this.#worker) return;
        this.#failPending("crashed", error.message);
        void worker.terminate();
        this.#restart(error.message);
      });
    }, wait);
    this.#restartTimer.unref();
  }

  static #spawn(spec: PluginSpec, limits: PluginLimits): Worker {
    const worker = new Worker(WORKER_ENTRY, { workerData: { path: spec.path }, resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb } });
    // A plugin's thread never keeps the server's process alive.
    worker.unref();
    return worker;
  }

  static #whenReady(worker: Worker): Promise<HookName[]> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: FromWorker) => {
        if (message.t === "ready") resolve(message.hooks);
        else if (message.t === "load-failed") reject(new Error(message.message));
        else return;
        worker.off("message", onMessage);
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`its thread exited while loading (exit code ${code})`)));
    });
  }
}
