/**
 * The time one model has spent loading its runner (starting it, its engine reading the
 * weights), all loads together. Only the scheduler's load starts and ends it.
 */
export class LoadClock {
  #loadedMs = 0;
  #since: number | undefined;

  started(): void {
    this.#since ??= Date.now();
  }

  ended(): void {
    if (this.#since === undefined) return;
    this.#loadedMs += Date.now() - this.#since;
    this.#since = undefined;
  }

  /** Milliseconds spent loading until now, the load under way included. */
  get ms(): number {
    return this.#loadedMs + (this.#since === undefined ? 0 : Date.now() - this.#since);
  }
}

/**
 * `ms` from now, not counting the time `clock`'s model spends loading meanwhile: a request's
 * queue wait and its run time leave out its model's load, which has a bound of its own
 * (loadTimeoutMs). A 3.9 GB UNet loads in 20 s and more on a busy machine; counted against
 * the 30 s queue wait, it failed the very requests it was loaded for.
 */
export class Deadline {
  readonly ms: number;
  readonly #end: number;
  readonly #clock: LoadClock | undefined;
  readonly #loadedAtStart: number;

  constructor(ms: number, clock?: LoadClock) {
    this.ms = ms;
    this.#end = Date.now() + ms;
    this.#clock = clock;
    this.#loadedAtStart = clock?.ms ?? 0;
  }

  get remainingMs(): number {
    return this.#end + ((this.#clock?.ms ?? 0) - this.#loadedAtStart) - Date.now();
  }

  /**
   * Calls `expire` once the deadline has passed, never synchronously; returns a function that
   * stops that. While the model loads the remaining time stands still, so the timer looks again.
   */
  arm(expire: () => void): () => void {
    let timer: NodeJS.Timeout;
    const check = () => {
      const left = this.remainingMs;
      if (left > 0) timer = setTimeout(check, left);
      else expire();
    };
    timer = setTimeout(check, Math.max(0, this.remainingMs));
    return () => clearTimeout(timer);
  }
}
