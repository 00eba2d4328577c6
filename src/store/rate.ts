import { RATE_WINDOW_MS } from "./constants.js";

/** Transfer rate over a sliding window: bytes received in the last RATE_WINDOW_MS. */
export class RateMeter {
  readonly #samples: { atMs: number; bytes: number }[] = [];

  /** Records the running total of received bytes at `atMs`. */
  add(atMs: number, bytes: number): void {
    this.#samples.push({ atMs, bytes });
    while (this.#samples.length > 2 && atMs - (this.#samples[1]?.atMs ?? atMs) >= RATE_WINDOW_MS) this.#samples.shift();
  }

  /** Bytes per second across the window; 0 until two samples are at least a moment apart. */
  bytesPerSecond(): number {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (!first || !last || last.atMs - first.atMs < 100) return 0;
    return Math.round(((last.bytes - first.bytes) * 1000) / (last.atMs - first.atMs));
  }
}

/** Seconds left at `bytesPerSecond`, or undefined when either side is unknown. */
export function etaSeconds(completedBytes: number, totalBytes: number | undefined, bytesPerSecond: number): number | undefined {
  if (totalBytes === undefined || bytesPerSecond <= 0) return undefined;
  return Math.ceil(Math.max(0, totalBytes - completedBytes) / bytesPerSecond);
}
