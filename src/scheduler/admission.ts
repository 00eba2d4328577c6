import { OutpostError, type RunOptions } from "../contract/index.js";
import type { Deadline } from "./deadline.js";
import type { SchedulerMetrics } from "./metrics.js";

interface Waiter {
  /** Arrival order across all models, so CPU goes to the longest-waiting model first. */
  seq: number;
  resolve(): void;
  reject(error: OutpostError): void;
}

/** One model's slots in use and its FIFO queue. Only Admission changes them. */
export interface Lane {
  readonly model: string;
  active: number;
  queue: Waiter[];
}

export interface AdmissionOptions {
  slots: number;
  maxQueue: number;
  threads: number;
  /** Threads that may compute at once across all models (at least `threads`). */
  threadBudget: number;
  metrics?: SchedulerMetrics;
}

/**
 * Who may run now: `slots` requests per model, a bounded FIFO queue behind them that refuses
 * at once when full, and CPU threads shared by all models (a model starts computing only when
 * its threads fit the budget; freed threads go to the model whose request waited longest).
 */
export class Admission {
  readonly #options: AdmissionOptions;
  readonly #lanes: Lane[] = [];
  readonly #threadBudget: number;
  #threadsInUse = 0;
  #arrivals = 0;

  constructor(options: AdmissionOptions) {
    this.#options = options;
    // One model must always be able to run, even if its threads alone exceed the budget.
    this.#threadBudget = Math.max(options.threadBudget, options.threads);
  }

  lane(model: string): Lane {
    const lane: Lane = { model, active: 0, queue: [] };
    this.#lanes.push(lane);
    return lane;
  }

  /**
   * Refuses (QUEUE_FULL) a request that would find its queue full now, so that surfaces can
   * answer from the path and headers, before reading the body. Requests that pass are still
   * admitted by admit(), which decides with their options.
   */
  checkCapacity(lane: Lane): void {
    if (lane.queue.length < this.#options.maxQueue) return;
    if (lane.queue.length === 0 && this.#canStart(lane)) return;
    throw this.#refusal(lane, `${lane.model} has ${lane.queue.length} requests waiting`);
  }

  /** Takes a slot now, or waits in the bounded queue; a full queue and rejectIfBusy refuse at once. */
  admit(lane: Lane, options: RunOptions, deadline: Deadline): Promise<void> {
    if (lane.queue.length === 0 && this.#canStart(lane)) {
      this.#start(lane);
      return Promise.resolve();
    }
    const model = lane.model;
    if (options.rejectIfBusy || lane.queue.length >= this.#options.maxQueue) {
      return Promise.reject(this.#refusal(lane, options.rejectIfBusy ? `${model} is busy` : `${model} has ${lane.queue.length} requests waiting`));
    }
    return new Promise<void>((resolve, reject) => {
      const leave = (error: OutpostError) => {
        const index = lane.queue.indexOf(waiter);
        if (index >= 0) lane.queue.splice(index, 1);
        waiter.reject(error);
      };
      const disarm = deadline.arm(() => leave(new OutpostError("TIMEOUT", `Timed out after ${deadline.ms} ms waiting for a free slot of ${model}`)));
      const onAbort = () => leave(new OutpostError("ABORTED", "The request was cancelled while queued"));
      const cleanup = () => {
        disarm();
        options.signal?.removeEventListener("abort", onAbort);
      };
      const waiter: Waiter = {
        seq: this.#arrivals++,
        resolve: () => (cleanup(), resolve()),
        reject: (error) => (cleanup(), reject(error)),
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      lane.queue.push(waiter);
    });
  }

  /**
   * Hands the slot to the lane's next waiter (FIFO). A lane left idle gives its threads back
   * and lets models waiting for CPU start; returns whether it went idle.
   */
  release(lane: Lane): boolean {
    const next = lane.queue.shift();
    if (next) {
      next.resolve();
      return false;
    }
    lane.active -= 1;
    if (lane.active > 0) return false;
    this.#threadsInUse -= this.#options.threads;
    this.#startWaitingModels();
    return true;
  }

  /** Refuses everything queued in `lane`. */
  refuseQueued(lane: Lane, error: OutpostError): void {
    for (const waiter of lane.queue.splice(0)) waiter.reject(error);
  }

  /** A request may start now: a free slot, and CPU threads for the model if it is not yet computing. */
  #canStart(lane: Lane): boolean {
    if (lane.active >= this.#options.slots) return false;
    return lane.active > 0 || this.#threadsInUse + this.#options.threads <= this.#threadBudget;
  }

  #start(lane: Lane): void {
    if (lane.active === 0) this.#threadsInUse += this.#options.threads;
    lane.active += 1;
  }

  #refusal(lane: Lane, why: string): OutpostError {
    this.#options.metrics?.rejections.inc({ model: lane.model });
    return new OutpostError("QUEUE_FULL", `Out of capacity: ${why}`, { retryAfterS: 1 });
  }

  /** Gives free threads to idle models with waiters, longest-waiting first, filling their slots. */
  #startWaitingModels(): void {
    while (true) {
      const waiting = this.#lanes.filter((l) => l.active === 0 && l.queue.length > 0 && this.#canStart(l));
      const first = waiting.sort((a, b) => (a.queue[0]?.seq ?? 0) - (b.queue[0]?.seq ?? 0))[0];
      if (!first) return;
      while (first.queue.length > 0 && this.#canStart(first)) {
        this.#start(first);
        first.queue.shift()?.resolve();
      }
    }
  }
}
