import { OutpostError } from "../../contract/index.js";

/** A job waiting for its batch, and how to answer it. */
export interface Waiting<J, R> {
  job: J;
  signal: AbortSignal;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Serves jobs one batch at a time, each batch what was already waiting: no timer holds a job
 * back to wait for company. A job that finds the queue idle starts at the end of the current
 * event-loop turn (a microtask), so jobs arriving in the same turn (one IPC read) share its
 * batch. After a batch the next starts one loop turn later (setImmediate), after the poll
 * phase: onnxruntime-node computes synchronously, so the jobs sent while it ran are still
 * unread on the IPC pipe when it returns, and this lets the runner read them first.
 *
 * `length` picks how many waiting jobs, from the first, the next batch takes (the policy; at least one);
 * `serve` must settle every job it is given. A job aborted while it waits leaves the queue at
 * once with ABORTED.
 */
export class BatchQueue<J, R> {
  readonly #waiting: Waiting<J, R>[] = [];
  readonly #length: (jobs: readonly J[]) => number;
  readonly #serve: (batch: Waiting<J, R>[]) => Promise<void>;
  #busy = false;

  constructor(length: (jobs: readonly J[]) => number, serve: (batch: Waiting<J, R>[]) => Promise<void>) {
    this.#length = length;
    this.#serve = serve;
  }

  push(job: J, signal: AbortSignal): Promise<R> {
    if (signal.aborted) return Promise.reject(aborted());
    return new Promise<R>((resolve, reject) => {
      const onAbort = () => {
        const at = this.#waiting.indexOf(waiting);
        if (at < 0) return;
        this.#waiting.splice(at, 1);
        reject(aborted());
      };
      const waiting: Waiting<J, R> = {
        job,
        signal,
        resolve: (result) => {
          signal.removeEventListener("abort", onAbort);
          resolve(result);
        },
        reject: (error) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(waiting);
      if (!this.#busy) {
        this.#busy = true;
        queueMicrotask(() => this.#next());
      }
    });
  }

  #next(): void {
    if (this.#waiting.length === 0) {
      this.#busy = false;
      return;
    }
    const batch = this.#waiting.splice(0, Math.max(1, this.#length(this.#waiting.map((w) => w.job))));
    this.#serve(batch)
      .catch((error: unknown) => {
        for (const w of batch) w.reject(error);
      })
      .finally(() => setImmediate(() => this.#next()));
  }
}

function aborted(): OutpostError {
  return new OutpostError("ABORTED", "The request was cancelled");
}
