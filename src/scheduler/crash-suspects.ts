import { createHash } from "node:crypto";
import { OutpostError, type EngineJob } from "../contract/index.js";
import { CRASH_FINGERPRINTS_MAX } from "./constants.js";

/**
 * The input of a request: its model and prepared job. Tasks draw a random seed when the caller
 * gives none, so the seed is left out, or the same input would fingerprint differently each time.
 */
export function fingerprint(model: string, job: EngineJob): string {
  return createHash("sha256")
    .update(model)
    .update("\0")
    .update(JSON.stringify(job, (key, value: unknown) => (key === "seed" ? undefined : value)))
    .digest("hex");
}

/** One request's input, hashed only when some input is known to have crashed a runner. */
export class Input {
  readonly model: string;
  readonly job: EngineJob;
  #fingerprint: string | undefined;

  constructor(model: string, job: EngineJob) {
    this.model = model;
    this.job = job;
  }

  get fingerprint(): string {
    this.#fingerprint ??= fingerprint(this.model, this.job);
    return this.#fingerprint;
  }
}

/**
 * Inputs that were in flight when a runner crashed. Each is a suspect for `blockMs`, until it
 * runs alone past the point where it could have crashed the runner (then it is cleared); one
 * that crashes a runner while running alone is poison, refused for `blockMs` without reaching
 * a runner. One table of at most CRASH_FINGERPRINTS_MAX entries, oldest dropped first, so a
 * client sending endless distinct poisons cannot grow it.
 */
export class CrashSuspects {
  readonly #blockMs: number;
  readonly #now: () => number;
  /** Fingerprint → when its entry expires, and whether it is poison. */
  readonly #entries = new Map<string, { until: number; poison: boolean }>();

  constructor(blockMs: number, now: () => number = Date.now) {
    this.#blockMs = blockMs;
    this.#now = now;
  }

  /** No input is known: callers may skip hashing. */
  get empty(): boolean {
    return this.#entries.size === 0;
  }

  isSuspect(fingerprint: string): boolean {
    return this.#live(fingerprint) !== undefined;
  }

  /** Throws POISON_INPUT if this input crashed a runner while running alone, within the block time. */
  refuse(model: string, fingerprint: string): void {
    const entry = this.#live(fingerprint);
    if (entry?.poison) throw poisonError(model, entry.until - this.#now());
  }

  /** The inputs in flight at a crash nobody was running alone for. */
  suspect(fingerprints: Iterable<string>): void {
    for (const fingerprint of fingerprints) if (!this.#live(fingerprint)?.poison) this.#set(fingerprint, false);
  }

  /** A suspect that crashed its runner while running alone. */
  convict(fingerprint: string): void {
    this.#set(fingerprint, true);
  }

  /** A suspect that ran alone and did not crash its runner. */
  clear(fingerprint: string): void {
    if (this.#live(fingerprint)?.poison === false) this.#entries.delete(fingerprint);
  }

  #set(fingerprint: string, poison: boolean): void {
    this.#entries.delete(fingerprint);
    this.#entries.set(fingerprint, { until: this.#now() + this.#blockMs, poison });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= CRASH_FINGERPRINTS_MAX) break;
      this.#entries.delete(oldest);
    }
  }

  #live(fingerprint: string): { until: number; poison: boolean } | undefined {
    const entry = this.#entries.get(fingerprint);
    if (entry && entry.until <= this.#now()) {
      this.#entries.delete(fingerprint);
      return undefined;
    }
    return entry;
  }
}

/** Refusal of a poison input; `crash` is the runner's exit when this very request crashed it. */
export function poisonError(model: string, remainingMs: number, crash?: OutpostError): OutpostError {
  const seconds = Math.max(1, Math.ceil(remainingMs / 1000));
  const how = crash ? ` (${crash.message})` : "";
  return new OutpostError("POISON_INPUT", `This input crashed the runner of ${model} twice${how}; the same input is refused for ${seconds} s`, { cause: crash });
}
