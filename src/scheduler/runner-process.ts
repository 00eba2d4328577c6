import { fork, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { OutpostError, type EmbedResult, type EngineJob, type EngineResult, type RunEvent } from "../contract/index.js";
import type { EngineLoadOptions, LoadedModelInfo } from "../engines/index.js";
import type { FromRunner, ToRunner } from "../runner/protocol.js";
import { STREAM_CREDIT_TOKENS, STDERR_TAIL_LINES } from "./constants.js";

/** The runner entry beside this build: `.ts` under tsx in development, `.js` from dist/. */
const RUNNER_ENTRY = fileURLToPath(new URL(`../runner/main${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

interface Pending {
  onMessage(message: FromRunner): void;
  onExit(error: OutpostError): void;
}

/**
 * The server's handle on one runner child process. Requests are multiplexed over IPC by id;
 * if the child exits, every request in flight fails with RUNNER_CRASHED carrying the child's
 * last stderr line, and the handle is dead for good (the scheduler starts a new one).
 */
export class RunnerProcess {
  readonly #child: ChildProcess;
  readonly #label: string;
  readonly #pending = new Map<number, Pending>();
  readonly #stderrTail: string[] = [];
  #nextId = 1;
  #exitError: OutpostError | undefined;
  #loadWaiter: Pending | undefined;
  readonly exited: Promise<OutpostError>;

  constructor(label: string) {
    this.#label = label;
    // The model id as an argument makes `ps` show which runner holds which model.
    this.#child = fork(RUNNER_ENTRY, [label], {
      execArgv: process.execArgv,
      serialization: "advanced",
      stdio: ["ignore", "inherit", "pipe", "ipc"],
    });
    this.#child.stderr?.setEncoding("utf8");
    this.#child.stderr?.on("data", (chunk: string) => {
      process.stderr.write(chunk);
      for (const line of chunk.split("\n")) if (line.trim()) this.#stderrTail.push(line.trim());
      this.#stderrTail.splice(0, Math.max(0, this.#stderrTail.length - STDERR_TAIL_LINES));
    });
    this.#child.on("message", (message: FromRunner) => {
      if (message.type === "loaded" || message.type === "load-failed") this.#loadWaiter?.onMessage(message);
      else this.#pending.get(message.id)?.onMessage(message);
    });
    this.exited = new Promise((resolve) => {
      this.#child.on("exit", (code, signal) => {
        const reason = signal ? `signal ${signal}` : `exit code ${code}`;
        const detail = this.#stderrTail.at(-1);
        const error = new OutpostError("RUNNER_CRASHED", `The runner for ${this.#label} stopped (${reason})${detail ? `: ${detail}` : ""}`);
        this.#exitError = error;
        this.#loadWaiter?.onExit(error);
        for (const pending of this.#pending.values()) pending.onExit(error);
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

  load(options: EngineLoadOptions): Promise<LoadedModelInfo> {
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

  run(job: EngineJob, signal: AbortSignal): Promise<EngineResult> {
    if (this.#exitError) return Promise.reject(this.#exitError);
    const id = this.#nextId++;
    if (job.kind === "embed") return this.#embed(id, job, signal);
    return Promise.resolve({ kind: "events", events: this.#stream(id, job, signal) });
  }

  #embed(id: number, job: EngineJob, signal: AbortSignal): Promise<EngineResult> {
    return new Promise<EmbedResult>((resolve, reject) => {
      const onAbort = () => this.#send({ type: "cancel", id });
      signal.addEventListener("abort", onAbort, { once: true });
      const settle = () => {
        this.#pending.delete(id);
        signal.removeEventListener("abort", onAbort);
      };
      this.#pending.set(id, {
        onMessage: (message) => {
          settle();
          if (message.type === "embedded") resolve(message.value);
          else if (message.type === "error") reject(OutpostError.fromWire(message.error));
        },
        onExit: (error) => {
          settle();
          reject(error);
        },
      });
      this.#send({ type: "run", id, job, credit: 0 });
    }).then((value) => ({ kind: "embeddings", value }));
  }

  /**
   * Yields the runner's events for one request. At most STREAM_CREDIT_TOKENS tokens are ever
   * buffered here: credit is returned only as the consumer takes tokens.
   */
  async *#stream(id: number, job: EngineJob, signal: AbortSignal): AsyncGenerator<RunEvent> {
    const buffer: RunEvent[] = [];
    let wake: (() => void) | undefined;
    let ended!: () => void;
    let over = false;
    // Settles when the runner is done with the request (done, error or exit): only then is
    // its sequence free for the next request.
    const terminal = new Promise<void>((resolve) => (ended = resolve));
    const push = (event: RunEvent) => {
      buffer.push(event);
      if (event.type !== "token") {
        over = true;
        ended();
      }
      wake?.();
    };
    const onAbort = () => this.#send({ type: "cancel", id });
    signal.addEventListener("abort", onAbort, { once: true });
    this.#pending.set(id, {
      onMessage: (message) => {
        if (message.type === "token") push({ type: "token", text: message.text });
        else if (message.type === "done") push({ type: "done", usage: message.usage, finishReason: message.finishReason });
        else if (message.type === "error") push({ type: "error", error: message.error });
      },
      onExit: (error) => push({ type: "error", error: error.toWire() }),
    });
    this.#send({ type: "run", id, job, credit: STREAM_CREDIT_TOKENS });
    let consumed = 0;
    try {
      while (true) {
        const event = buffer.shift();
        if (!event) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        yield event;
        if (event.type !== "token") return;
        // Hand credit back in halves of the window: one IPC message per several tokens.
        if (++consumed >= STREAM_CREDIT_TOKENS / 2) {
          this.#send({ type: "credit", id, credit: consumed });
          consumed = 0;
        }
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      // A consumer that stops early (client gone) must stop the generation too, and the slot
      // is handed on only once the runner has let go of the sequence.
      if (!over) this.#send({ type: "cancel", id });
      await terminal;
      this.#pending.delete(id);
    }
  }

  #send(message: ToRunner): void {
    if (this.#exitError || !this.#child.connected) return;
    this.#child.send(message);
  }

  kill(): void {
    this.#child.kill("SIGKILL");
  }
}
