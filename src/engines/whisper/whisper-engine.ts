import { stat } from "node:fs/promises";
import { basename, extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { OutpostError, type Engine, type EngineLoadOptions, type EngineResult, type LoadedModel, type RunEvent, type Transcript, type TranscriptionJob } from "../../contract/index.js";
import type { FromWorker, ToWorker, WorkerInit } from "./worker-protocol.js";

/** The worker beside this build: `.ts` under tsx in development, `.js` from dist/. */
const EXTENSION = extname(fileURLToPath(import.meta.url));
const WORKER_ENTRY = new URL(`./worker${EXTENSION}`, import.meta.url);

function startWorker(workerData: WorkerInit): Worker {
  if (EXTENSION === ".js") return new Worker(WORKER_ENTRY, { workerData });
  // Under tsx (development, tests) Node 20 does not run `--import` hooks in worker threads, so
  // the worker registers tsx itself before importing its TypeScript entry.
  const tsx = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  return new Worker(`import(${tsx}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER_ENTRY.href)}); })`, { eval: true, workerData });
}

/** whisper.cpp (through @napi-rs/whisper) on one ggml file, in a worker thread of the runner. */
export class WhisperEngine implements Engine {
  async load(options: EngineLoadOptions): Promise<LoadedModel> {
    const { size } = await stat(options.path);
    const cancel = new SharedArrayBuffer(4);
    const init: WorkerInit = { path: options.path, threads: Math.max(1, options.threads), cancel };
    const worker = startWorker(init);
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(new OutpostError("INTERNAL", `whisper could not load ${basename(options.path)}: ${error.message}`, { cause: error }));
      worker.once("error", onError);
      worker.once("message", () => {
        worker.off("error", onError);
        resolve();
      });
    });
    return new WhisperModel(worker, new Int32Array(cancel), size);
  }
}

/**
 * One loaded model. A transcription already uses every thread the model was given, so jobs run
 * one after another; the scheduler's extra slots wait here, in order. Cancelling a waiting job
 * drops it; cancelling the running one stops it at the next 30 s window.
 */
class WhisperModel implements LoadedModel {
  readonly info;
  #turn: Promise<void> = Promise.resolve();
  #nextId = 1;
  readonly #replies = new Map<number, (reply: FromWorker) => void>();
  #dead: OutpostError | undefined;

  constructor(
    private readonly worker: Worker,
    private readonly cancelled: Int32Array,
    sizeBytes: number,
  ) {
    this.info = { sizeBytes };
    worker.on("message", (reply: FromWorker) => {
      if ("id" in reply) this.#replies.get(reply.id)?.(reply);
    });
    // A native fault in whisper.cpp ends the runner; an exception in the worker ends only the
    // worker, and then every job fails: the runner is of no more use and the server replaces it.
    worker.on("error", (error) => this.#fail(new OutpostError("RUNNER_CRASHED", `whisper worker failed: ${error.message}`, { cause: error })));
    worker.on("exit", (code) => this.#fail(new OutpostError("RUNNER_CRASHED", `whisper worker exited with code ${code}`)));
  }

  async run(raw: unknown, signal: AbortSignal): Promise<EngineResult> {
    const job = raw as TranscriptionJob;
    if (job.stream) return { kind: "events", events: this.#stream(job, signal) };
    const release = await this.#takeTurn(signal);
    try {
      return { kind: "json", value: await this.#transcribe(job, signal, () => undefined) };
    } finally {
      release();
    }
  }

  /** Waits for the jobs queued before this one; the answer hands the worker on to the next. */
  async #takeTurn(signal: AbortSignal): Promise<() => void> {
    const previous = this.#turn;
    let release!: () => void;
    this.#turn = new Promise((resolve) => (release = resolve));
    await previous;
    if (!signal.aborted) return release;
    release();
    throw aborted();
  }

  /**
   * Each window's text as a token the moment the worker has it, then `done`. The worker is held
   * until its reply for this job: a consumer that stops early cancels the job and waits for it
   * to stop (at the next window), so the next job never starts beside it.
   */
  async *#stream(job: TranscriptionJob, signal: AbortSignal): AsyncIterable<RunEvent> {
    const release = await this.#takeTurn(signal);
    const windows: string[] = [];
    let settled = false;
    let wake: (() => void) | undefined;
    const transcript = this.#transcribe(job, signal, (text) => {
      windows.push(text);
      wake?.();
    }).finally(() => {
      settled = true;
      wake?.();
    });
    // Awaited below, or in finally when the consumer stops early: never unhandled meanwhile.
    transcript.catch(() => undefined);
    try {
      let sent = false;
      // Once cancelled, nothing more is sent: the worker stops at its next window and says so.
      while (!signal.aborted) {
        const text = windows.shift();
        if (text === undefined) {
          if (settled) break;
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        // A silent window says nothing; the joined tokens spell the JSON answer's `text`.
        if (!text) continue;
        yield { type: "token", text: sent ? ` ${text}` : text };
        sent = true;
      }
      await transcript;
      if (signal.aborted) throw aborted();
      // whisper.cpp's token counts are not reported; a JSON transcript carries no usage either.
      yield { type: "done", usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }, finishReason: "stop" };
    } finally {
      if (!settled) Atomics.store(this.cancelled, 0, 1);
      await transcript.catch(() => undefined);
      release();
    }
  }

  #transcribe(job: TranscriptionJob, signal: AbortSignal, onWindow: (text: string) => void): Promise<Transcript> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = this.#nextId++;
    Atomics.store(this.cancelled, 0, 0);
    const onAbort = () => Atomics.store(this.cancelled, 0, 1);
    signal.addEventListener("abort", onAbort, { once: true });
    return new Promise<Transcript>((resolve, reject) => {
      this.#replies.set(id, (reply) => {
        if ("window" in reply) return onWindow(reply.window);
        this.#replies.delete(id);
        signal.removeEventListener("abort", onAbort);
        if ("transcript" in reply) resolve(reply.transcript);
        else if ("error" in reply) reject(OutpostError.fromWire(reply.error));
      });
      this.worker.postMessage({ id, job } satisfies ToWorker);
    });
  }

  #fail(error: OutpostError): void {
    this.#dead ??= error;
    for (const reply of this.#replies.values()) reply({ id: 0, error: error.toWire() });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#dead ??= new OutpostError("ABORTED", "The model was unloaded");
    await this.worker.terminate();
  }
}

function aborted(): OutpostError {
  return new OutpostError("ABORTED", "The request was cancelled");
}
