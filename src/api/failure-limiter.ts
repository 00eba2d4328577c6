/** Wrong tokens a source may present at once, and how fast it earns new tries (one per this many ms). */
const BURST = 20;
const REFILL_MS = 3_000;
/** Sources remembered at most; the oldest is forgotten first, so a flood of addresses cannot grow memory. */
const MAX_SOURCES = 10_000;

/**
 * A token bucket of failed authentications per source address: 10,000 wrong tokens in a row
 * cost the guesser BURST checks and then one per REFILL_MS, each refusal answered at once.
 */
export class FailureLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #clock: () => number;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  #bucket(source: string): { tokens: number; at: number } {
    const now = this.#clock();
    const bucket = this.#buckets.get(source) ?? { tokens: BURST, at: now };
    bucket.tokens = Math.min(BURST, bucket.tokens + (now - bucket.at) / REFILL_MS);
    bucket.at = now;
    return bucket;
  }

  /** Seconds until the source may try again, or undefined when it may now. */
  blockedForS(source: string): number | undefined {
    if (!this.#buckets.has(source)) return undefined;
    const bucket = this.#bucket(source);
    return bucket.tokens >= 1 ? undefined : Math.ceil(((1 - bucket.tokens) * REFILL_MS) / 1000);
  }

  fail(source: string): void {
    const bucket = this.#bucket(source);
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    this.#buckets.delete(source);
    this.#buckets.set(source, bucket);
    if (this.#buckets.size > MAX_SOURCES) this.#buckets.delete(this.#buckets.keys().next().value as string);
  }
}
