/** A newcomer's grace, as a share of the last batch step's duration: the most the others wait. */
const JOIN_GRACE_SHARE = 0.1;
/** Upper bound of that grace, in ms: about a request's hop from a client through the server. */
const JOIN_GRACE_MAX_MS = 10;

type Dispatch = () => void;

/** The clock and the grace timer; tests pass fakes. */
export interface ScheduleTimers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_TIMERS: ScheduleTimers = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * When node-llama-cpp starts a batch step (its `batching.dispatchSchedule`). Its own rule,
 * one event-loop turn after the first sequence queues a decode, suits the sequences already
 * running; but a request that takes a slot just freed (the client's next request, or one the
 * scheduler queued) comes a few ms after that step started, waits for the whole step, and has
 * its prompt decoded alone after it: about one step of extra first-token latency (63–222 ms on
 * a 120M model at 4+ streams, issue 16). So the first step after a sequence ends is held for
 * a newcomer, for at most JOIN_GRACE_SHARE of the last step and JOIN_GRACE_MAX_MS, and starts
 * as soon as a new sequence has queued its prompt. Steady steps start as before.
 */
export class BatchSchedule {
  /** Sequences ended that no newcomer has taken the place of yet. */
  #vacancies = 0;
  #held: Dispatch | undefined;
  #timer: unknown;
  #lastDispatchAt: number | undefined;
  #stepMs = 0;
  readonly #timers: ScheduleTimers;

  constructor(timers: ScheduleTimers = REAL_TIMERS) {
    this.#timers = timers;
  }

  /**
   * node-llama-cpp's hook, called once per step to be started. It decides a turn later, as
   * node-llama-cpp does, by when every sequence of the last step has had its token (and the
   * ones that ended have said so).
   */
  readonly dispatchSchedule = (dispatch: Dispatch): void => {
    setImmediate(() => {
      const graceMs = Math.min(this.#stepMs * JOIN_GRACE_SHARE, JOIN_GRACE_MAX_MS);
      if (this.#vacancies === 0 || graceMs < 1) return this.#start(dispatch);
      this.#held = dispatch;
      this.#timer = this.#timers.setTimeout(() => {
        // Nobody came: waiting again would only slow the sequences still running.
        this.#vacancies = 0;
        this.#release();
      }, graceMs);
    });
  };

  /** A sequence has generated its last token; its slot will be free for the next request. */
  sequenceEnded(): void {
    this.#vacancies += 1;
  }

  /** A new sequence is about to queue its prompt: a held step starts once it has. */
  sequenceStarting(): void {
    this.#vacancies = Math.max(0, this.#vacancies - 1);
    // Its decode is queued within this turn's microtasks; the step starts just after.
    if (this.#held) setImmediate(() => this.#release());
  }

  #release(): void {
    this.#timers.clearTimeout(this.#timer);
    const held = this.#held;
    this.#held = undefined;
    if (held) this.#start(held);
  }

  #start(dispatch: Dispatch): void {
    const now = this.#timers.now();
    // The time between two step starts: one step, sampling included, while they run back to back.
    if (this.#lastDispatchAt !== undefined) this.#stepMs = now - this.#lastDispatchAt;
    this.#lastDispatchAt = now;
    dispatch();
  }
}
