import { fork, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { FrameReceiver, OutpostError, type ComputeReport, type EngineJob, type EngineLoadOptions, type EngineResult, type LoadedModelInfo } from "../contract/index.js";
import { HEARTBEAT_FD, HEARTBEAT_INTERVAL_MS, type FromRunner, type ToRunner } from "../runner/protocol.js";
import { STDERR_TAIL_LINES } from "./constants.js";

/** The runner entry beside this build: `.ts` under tsx in development, `.js` from dist/. */
const RUNNER_ENTRY = fileURLToPath(new URL(`../runner/main${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

export interface RunnerProcessOptions {
  /**
   * A runner silent this long (no heartbeat: stopped, frozen, spinning outside an engine call,
   * or blocked in one past its run timeout; runner/heartbeat.ts) is killed with SIGKILL and its
   * requests fail as in a crash, in ms. 0: never. At least twice the heartbeat interval.
   */
  heartbeatTimeoutMs?: number;
  /** Added to the runner's environment: the server's engine settings (config's runnerEnvironment). */
  env?: Record<string, string>;
  /** Every compute report the runner sends (scheduler/compute.ts keeps the latest). */
  onCompute?: (report: ComputeReport) => void;
}

/**
 * How long a runner may be silent before its first heartbeat, in ms: node starting and the
 * runner's modules importing take seconds on a busy machine (more under tsx), past a short
 * heartbeat timeout. A runner that never gets as far is still ended.
 */
export const BOOT_SILENCE_MS = 60_000;

interface LoadWaiter {
  onMessage(message: FromRunner): void;
  onExit(error: OutpostError): void;
}

/**
 * The server's handle on one runner child process. Requests are multiplexed over IPC by id;
 * if the child exits, every request in flight fails with RUNNER_CRASHED carrying the child's
 * last stderr line, and the handle is dead for good (the scheduler starts a new one). A child
 * that stops sending heartbeats (SIGSTOPped, frozen) is killed, which is such an exit.
 */
export class RunnerProcess {
  readonly #child: ChildProcess;
  #label: string;
  readonly #pending = new Map<number, FrameReceiver>();
  readonly #stderrTail: string[] = [];
  #nextId = 1;
  #exitError: OutpostError | undefined;
  #exitSignal: NodeJS.Signals | null = null;
  #loadWaiter: LoadWaiter | undefined;
  #heardAt = Date.now();
  #booted = false;
  #checkedAt = Date.now();
  /** Why this handle killed its child, for the crash message. */
  #killedFor: string | undefined;
  readonly exited: Promise<OutpostError>;
  /** Settles when the runner's load has finished or failed, or the runner exited. */
  readonly loadSettled: Promise<void>;
  #loadSettle!: () => void;
  readonly #computeWaiters: ((report: ComputeReport | undefined) => void)[] = [];
  #prepared: ((ok: boolean) => void) | undefined;

  constructor(label: string, options: RunnerProcessOptions = {}) {
    this.#label = label;
    this.loadSettled = new Promise((resolve) => (this.#loadSettle = resolve));
    // The model id as an argument makes `ps` show which runner holds which model.
    this.#child = fork(RUNNER_ENTRY, [label], {
      execArgv: process.execArgv,
      // On abort ggml attaches gdb to print a backtrace, which froze a crashing runner (and the
      // answer to every request on it) for 2–4 s; the crash reason is already in stderr.
      env: { ...process.env, GGML_NO_BACKTRACE: "1", ...options.env },
      serialization: "advanced",
      stdio: ["ignore", "inherit", "pipe", "ipc", "pipe"],
    });
    this.#child.stdio[HEARTBEAT_FD]?.on("data", () => {
      this.#heardAt = Date.now();
      this.#booted = true;
    });
    this.#child.stderr?.setEncoding("utf8");
    this.#child.stderr?.on("data", (chunk: string) => {
      process.stderr.write(chunk);
      for (const line of chunk.split("\n")) if (line.trim()) this.#stderrTail.push(line.trim());
      this.#stderrTail.splice(0, Math.max(0, this.#stderrTail.length - STDERR_TAIL_LINES));
    });
    this.#child.on("message", (message: FromRunner) => {
      if (message.type === "prepared") {
        this.#prepared?.(message.ok);
        return;
      }
      if (message.type === "compute") {
        options.onCompute?.(message.report);
        for (const waiter of this.#computeWaiters.splice(0)) waiter(message.report);
        return;
      }
      if (message.type === "loaded" || message.type === "load-failed") {
        this.#loadWaiter?.onMessage(message);
        this.#loadSettle();
      }
      else for (const { id, frame } of message.frames) this.#pending.get(id)?.push(frame);
    });
    const timeoutMs = options.heartbeatTimeoutMs ? Math.max(options.heartbeatTimeoutMs, 2 * HEARTBEAT_INTERVAL_MS) : 0;
    const watchdog = timeoutMs ? setInterval(() => this.#checkHeartbeat(timeoutMs), HEARTBEAT_INTERVAL_MS) : undefined;
    watchdog?.unref();
    this.exited = new Promise((resolve) => {
      this.#child.on("exit", (code, signal) => {
        clearInterval(watchdog);
        this.#exitSignal = signal;
        const reason = this.#killedFor ?? (signal ? `signal ${signal}` : `exit code ${code}`);
        const detail = this.#stderrTail.at(-1);
        const error = new OutpostError("RUNNER_CRASHED", `The runner for ${this.#label} stopped (${reason})${detail ? `: ${detail}` : ""}`);
        this.#exitError = error;
        this.#loadWaiter?.onExit(error);
        for (const waiter of this.#computeWaiters.splice(0)) waiter(undefined);
        this.#loadSettle();
        this.#prepared?.(false);
        for (const pending of this.#pending.values()) pending.fail(error);
        this.#pending.clear();
        resolve(error);
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get alive(): boolean {
    return this.#exitError === undefined;
  }

  get killed(): boolean {
    return this.#exitSignal === "SIGKILL";
  }

  /** Requests in flight on this runner. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** Resident set size from /proc (Linux); 0 where that is not readable. */
  async memoryBytes(): Promise<number> {
    const status = await readFile(`/proc/${this.#child.pid}/status`, "utf8").catch(() => "");
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kib ? Number(kib) * 1024 : 0;
  }

  /**
   * For a spare: create the engine now, so that load() later costs only the model. Resolves
   * true once it is created, false if that failed or the runner exited first.
   */
  prepare(engine: string): Promise<boolean> {
    if (this.#exitError) return Promise.resolve(false);
    const prepared = new Promise<boolean>((resolve) => (this.#prepared = resolve));
    this.#send({ type: "prepare", engine });
    return prepared;
  }

  /**
   * A fresh compute report, once the runner's engine is up; undefined if it exits first or its
   * engine has none (then this waits until `timeoutMs`).
   */
  compute(timeoutMs: number): Promise<ComputeReport | undefined> {
    if (this.#exitError) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const index = this.#computeWaiters.indexOf(done);
        if (index >= 0) this.#computeWaiters.splice(index, 1);
        resolve(undefined);
      }, timeoutMs);
      const done = (report: ComputeReport | undefined) => {
        clearTimeout(timer);
        resolve(report);
      };
      this.#computeWaiters.push(done);
      this.#send({ type: "compute" });
    });
  }

  load(options: EngineLoadOptions): Promise<LoadedModelInfo> {
    // A spare is named after its model from its load on, in crash messages too.
    this.#label = options.model.id;
    return new Promise((resolve, reject) => {
      this.#loadWaiter = {
        onMessage: (message) => {
          this.#loadWaiter = undefined;
          if (message.type === "loaded") resolve(message.info);
          else if (message.type === "load-failed") reject(OutpostError.fromWire(message.error));
        },
        onExit: reject,
      };
      this.#send({ type: "load", options });
    });
  }

  /**
   * Sends one job; the result is rebuilt from the runner's frames. A stream's `return()` (or its
   * end) resolves only once the runner has let go of the job, so the slot the scheduler hands on
   * is really free.
   */
  run(job: EngineJob, signal: AbortSignal): Promise<EngineResult> {
    if (this.#exitError) return Promise.reject(this.#exitError);
    const id = this.#nextId++;
    // A reason that is an OutpostError (the scheduler's TIMEOUT) ends the stream with it.
    const cancel = () => this.#send(signal.reason instanceof OutpostError ? { type: "cancel", id, reason: signal.reason.toWire() } : { type: "cancel", id });
    const receiver = new FrameReceiver((upTo) => this.#send({ type: "grant", id, upTo }), cancel);
    signal.addEventListener("abort", cancel, { once: true });
    this.#pending.set(id, receiver);
    void receiver.settled.then(() => {
      signal.removeEventListener("abort", cancel);
      this.#pending.delete(id);
    });
    this.#send({ type: "run", id, job });
    return receiver.result;
  }

  #send(message: ToRunner): void {
    if (this.#exitError || !this.#child.connected) return;
    this.#child.send(message);
  }

  kill(): void {
    this.#child.kill("SIGKILL");
  }

  #checkHeartbeat(timeoutMs: number): void {
    const now = Date.now();
    // A late check means this process's event loop was blocked: the runner's heartbeats may be
    // waiting unread in the pipe, so judge it only at the next, punctual check.
    const late = now - this.#checkedAt > 2 * HEARTBEAT_INTERVAL_MS;
    this.#checkedAt = now;
    if (late) return;
    const silentMs = now - this.#heardAt;
    if (silentMs < (this.#booted ? timeoutMs : Math.max(timeoutMs, BOOT_SILENCE_MS)) || this.#exitError || this.#killedFor) return;
    this.#killedFor = `no heartbeat for ${silentMs} ms${this.#booted ? "" : " since it started"}${this.#loadWaiter ? " while loading" : ""}, killed`;
    this.kill();
  }
}
