import { randomUUID } from "node:crypto";
import { OutpostError, type PullEvent, type PullStatus } from "../contract/index.js";
import { PROGRESS_INTERVAL_MS } from "./constants.js";
import type { DownloadProgress } from "./download.js";
import { etaSeconds, RateMeter } from "./rate.js";

/**
 * One model's pull, as callers see it: a status to poll, events to watch, and `done`. Pulls of
 * the same model while it runs get this same object (ModelStore.pull).
 */
export class Pull {
  readonly id = randomUUID();
  readonly model: string;
  /** The blob digest once stored; rejects with the OutpostError that ended the pull. */
  readonly done: Promise<string>;
  #status: PullStatus;
  readonly #meter = new RateMeter();
  #lastEmitMs = 0;
  #version = 0;
  /** Resolves at the next emitted change; replaced each time. */
  #changed = nextChange();

  constructor(model: string, work: (pull: Pull) => Promise<string>) {
    this.model = model;
    this.#status = { id: this.id, model, state: "pulling", completedBytes: 0, bytesPerSecond: 0, startedAt: new Date().toISOString() };
    this.done = work(this).then(
      (digest) => {
        const total = this.#status.totalBytes ?? this.#status.completedBytes;
        this.#finish({ state: "done", digest, completedBytes: total, totalBytes: total, bytesPerSecond: 0, etaS: undefined });
        return digest;
      },
      (error: unknown) => {
        const failure = OutpostError.from(error);
        this.#finish({ state: "failed", error: failure.toWire(), bytesPerSecond: 0, etaS: undefined });
        throw failure;
      },
    );
    // A pull nobody awaits (started over the API) must not be an unhandled rejection.
    this.done.catch(() => undefined);
  }

  status(): PullStatus {
    return { ...this.#status };
  }

  /** Takes download progress; events go out at most every PROGRESS_INTERVAL_MS, and on a change of source. */
  progress(update: DownloadProgress): void {
    const now = Date.now();
    const newSource = update.source !== this.#status.source;
    if (newSource || now - this.#lastEmitMs >= PROGRESS_INTERVAL_MS / 2) this.#meter.add(now, update.receivedBytes);
    const bytesPerSecond = this.#meter.bytesPerSecond();
    this.#status = {
      ...this.#status,
      source: update.source,
      completedBytes: update.completedBytes,
      totalBytes: update.totalBytes,
      bytesPerSecond,
      etaS: etaSeconds(update.completedBytes, update.totalBytes, bytesPerSecond),
    };
    if (newSource || now - this.#lastEmitMs >= PROGRESS_INTERVAL_MS) this.#emit(now);
  }

  /** The current status, then each change, ending after the `done` or `error` event. */
  async *events(signal?: AbortSignal): AsyncIterable<PullEvent> {
    let seen = -1;
    const aborted = new Promise<void>((resolve) => signal?.addEventListener("abort", () => resolve(), { once: true }));
    while (!signal?.aborted) {
      if (seen !== this.#version) {
        seen = this.#version;
        const status = this.status();
        yield { type: status.state === "pulling" ? "progress" : status.state === "done" ? "done" : "error", status };
        if (status.state !== "pulling") return;
      }
      await Promise.race([this.#changed.promise, aborted]);
    }
  }

  #finish(fields: Partial<PullStatus>): void {
    this.#status = { ...this.#status, ...fields, finishedAt: new Date().toISOString() };
    this.#emit(Date.now());
  }

  #emit(now: number): void {
    this.#lastEmitMs = now;
    this.#version++;
    const changed = this.#changed;
    this.#changed = nextChange();
    changed.resolve();
  }
}

function nextChange(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
