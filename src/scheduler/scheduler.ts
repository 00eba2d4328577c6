import { setTimeout as delay } from "node:timers/promises";
import { OutpostError, type EngineJob, type EngineResult, type RunOptions } from "../contract/index.js";
import { toDescriptor, type CatalogEntry } from "../catalog/index.js";
import { HEALTHY_AFTER_MS, LOADING_RETRY_AFTER_S, RESTART_BACKOFF_MAX_MS, RESTART_BACKOFF_MS, RUNNER_OVERHEAD_BYTES } from "./constants.js";
import { Admission, type Lane } from "./admission.js";
import { Deadline, LoadClock } from "./deadline.js";
import { CrashSuspects, Input, poisonError } from "./crash-suspects.js";
import { pickEvictions, planVram } from "./eviction.js";
import { firstOutput, type Started } from "./first-output.js";
import { settleBy } from "./settle-by.js";
import { SuspectGate } from "./suspect-gate.js";
import type { ResidentStatus, Runner, SchedulerOptions } from "./types.js";

export type { ResidentStatus, Runner, SchedulerOptions } from "./types.js";

/** A request's try on one runner, from its start until its result ends. */
interface Flight {
  input: Input;
  runner: Runner;
}

/** Per-model residency state. Only this file mutates it. */
interface Resident {
  entry: CatalogEntry;
  runner: Runner | undefined;
  /** When `runner` was started: a crash after HEALTHY_AFTER_MS starts the backoff over. */
  runnerStartedAt: number;
  loading: Promise<Runner> | undefined;
  lane: Lane;
  /** Time spent loading runners, which the requests' queue and run deadlines leave out. */
  loads: LoadClock;
  flights: Set<Flight>;
  gate: SuspectGate;
  /** The suspect running alone on `runner`, from the drained gate to its first output. */
  alone: Flight | undefined;
  keepAliveMs: number;
  idleTimer: NodeJS.Timeout | undefined;
  crashes: number;
  restartNotBefore: number;
  memoryBytes: number;
  /** VRAM the model measured at its last load: its need at the next one. */
  vramBytes: number | undefined;
  lastUsedAt: number;
}

/**
 * Residency and supervision: one runner per model, loaded on first use (concurrent first
 * requests share one load), `slots` requests at a time, a bounded FIFO queue behind them that
 * refuses at once when full, unload after keep-alive, and LRU eviction of idle models under the
 * memory budget. A crashed runner is replaced on the next request: at once after a first
 * crash, then after a backoff that doubles per further crash no poison input explains.
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #residents = new Map<string, Resident>();
  readonly #admission: Admission;
  readonly #suspects: CrashSuspects;
  /** Each crashed runner's verdict, decided once: the inputs its crash proved poison. */
  readonly #verdicts = new WeakMap<Runner, ReadonlySet<string>>();
  /** Every runner this scheduler started that has not exited yet, loading, loaded or killed. */
  readonly #runners = new Set<Runner>();
  /** Aborted by close(): ends restart backoffs. */
  readonly #closing = new AbortController();
  #closed = false;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#suspects = new CrashSuspects(options.poisonBlockMs);
    this.#admission = new Admission(options);
  }

  async execute(entry: CatalogEntry, job: EngineJob, options: RunOptions): Promise<EngineResult> {
    const resident = this.#resident(entry);
    const input = new Input(entry.id, job);
    if (!this.#suspects.empty) this.#suspects.refuse(entry.id, input.fingerprint);
    if (options.rejectIfBusy) this.#refuseIfRestarting(resident);
    const queueDeadline = new Deadline(options.queueTimeoutMs ?? this.#options.queueTimeoutMs, resident.loads);
    clearTimeout(resident.idleTimer);
    await this.#admission.admit(resident.lane, options, queueDeadline);
    if (options.keepAliveMs !== undefined) resident.keepAliveMs = options.keepAliveMs;
    resident.lastUsedAt = Date.now();
    // The runner sees its own signal: the caller's, or the execution deadline's TIMEOUT.
    const run = new AbortController();
    const onAbort = () => run.abort(options.signal?.reason);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const runTimeoutMs = this.#options.runTimeoutMs;
    const disarm = new Deadline(runTimeoutMs, resident.loads).arm(() => run.abort(new OutpostError("TIMEOUT", `Ran longer than ${runTimeoutMs} ms on ${entry.id}`)));
    // A stream holds its slot until it ends (or its consumer stops), a json value not at all.
    const finish = () => {
      disarm();
      options.signal?.removeEventListener("abort", onAbort);
      this.#release(resident);
    };
    try {
      if (options.signal?.aborted) throw new OutpostError("ABORTED", "The request was cancelled");
      return await this.#serve(resident, input, run.signal, queueDeadline, finish);
    } catch (error) {
      finish();
      throw error;
    }
  }

  status(): ResidentStatus[] {
    return [...this.#residents.values()].map((r) => ({
      model: r.entry.id,
      loaded: r.runner?.alive === true,
      active: r.lane.active,
      queued: r.lane.queue.length,
      memoryBytes: r.runner ? r.memoryBytes : 0,
      vramBytes: r.runner ? (r.vramBytes ?? 0) : 0,
    }));
  }

  /**
   * Refuses everything queued and kills every runner, loading ones too (their requests fail
   * with ABORTED); resolves once all of them have exited.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#closing.abort();
    for (const resident of this.#residents.values()) {
      clearTimeout(resident.idleTimer);
      resident.runner = undefined;
      this.#admission.refuseQueued(resident.lane, shuttingDown());
    }
    for (const runner of this.#runners) runner.kill();
    await Promise.all([...this.#runners].map((runner) => runner.exited));
  }

  /**
   * Runs the request on its model's runner. A request whose runner crashes before its first
   * output is tried once more on the next runner: it may only have been beside the input that
   * crashed it. A crash suspect runs alone until its first output, so the input that crashes
   * again is told apart, and is refused as POISON_INPUT from then on; one that passes is cleared.
   */
  async #serve(resident: Resident, input: Input, signal: AbortSignal, queueDeadline: Deadline, finish: () => void): Promise<EngineResult> {
    for (let attempt = 1; ; attempt++) {
      // A retry is bounded by the execution deadline (`signal`), not by the queue's. Neither
      // counts the runner's load: that has its own bound (#load).
      const runner = await settleBy(this.#ensureLoaded(resident), attempt === 1 ? queueDeadline : undefined, signal, `Timed out waiting for ${resident.entry.id} to load`);
      const suspect = attempt > 1 || (!this.#suspects.empty && this.#suspects.isSuspect(input.fingerprint));
      const leave = await resident.gate.enter(suspect, () => runner.alive && [...resident.flights].some((f) => f.runner === runner));
      if (!runner.alive) {
        // It crashed while this request waited at the gate: nothing was tried on it.
        leave();
        attempt -= 1;
        continue;
      }
      const flight: Flight = { input, runner };
      resident.flights.add(flight);
      if (suspect) resident.alone = flight;
      const land = () => {
        if (!runner.alive) this.#crashed(resident, runner);
        resident.flights.delete(flight);
        resident.gate.landed();
      };
      let started: Started;
      try {
        started = await firstOutput(await runner.run(input.job, signal), () => (land(), finish()));
      } catch (error) {
        started = { ok: false, error: OutpostError.from(error) };
      }
      // Decided while this request still runs alone, so a crash now is known to be its own.
      if (!runner.alive) this.#crashed(resident, runner);
      else if (suspect && started.ok) this.#suspects.clear(input.fingerprint);
      if (resident.alone === flight) resident.alone = undefined;
      leave();
      if (started.ok) return started.result;
      const crashed = started.error.code === "RUNNER_CRASHED" && !runner.alive;
      land();
      if (!crashed || this.#closed) throw started.error;
      if (this.#crashed(resident, runner).has(input.fingerprint)) throw poisonError(resident.entry.id, this.#options.poisonBlockMs, started.error);
      if (attempt > 1 || signal.aborted) throw started.error;
    }
  }

  /**
   * What a runner's crash means, decided once, by whichever of its requests or its exit sees it
   * first. If a suspect was running alone, the crash is its own: it is poison. Otherwise every
   * input in flight becomes a suspect (none if the runner was killed). A crash that poison
   * explains does not count toward the restart backoff, nor does the one that made it a
   * suspect, so one client's poison cannot slow the model's restarts for everyone else.
   */
  #crashed(resident: Resident, runner: Runner): ReadonlySet<string> {
    const decided = this.#verdicts.get(runner);
    if (decided) return decided;
    const alone = resident.alone?.runner === runner && !runner.killed ? resident.alone.input.fingerprint : undefined;
    if (alone) this.#suspects.convict(alone);
    else if (!runner.killed) this.#suspects.suspect([...resident.flights].filter((f) => f.runner === runner).map((f) => f.input.fingerprint));
    const poison: ReadonlySet<string> = new Set(alone ? [alone] : []);
    this.#verdicts.set(runner, poison);
    if (resident.runner === runner) resident.runner = undefined;
    resident.gate.landed();
    this.#options.metrics?.restarts.inc({ model: resident.entry.id });
    const now = Date.now();
    if (alone) resident.crashes = Math.max(0, resident.crashes - 1);
    else resident.crashes = now - resident.runnerStartedAt < HEALTHY_AFTER_MS ? resident.crashes + 1 : 1;
    resident.restartNotBefore = now + restartDelayMs(resident.crashes);
    return poison;
  }

  /** rejectIfBusy: a model that is loading, or waiting out a restart backoff, answers 503 at once. */
  #refuseIfRestarting(resident: Resident): void {
    const waitMs = resident.restartNotBefore - Date.now();
    if (resident.loading || (waitMs > 0 && !resident.runner?.alive)) {
      const why = resident.loading ? "is loading" : "is restarting after a crash";
      throw new OutpostError("MODEL_LOADING", `${resident.entry.id} ${why}`, { retryAfterS: waitMs > 0 ? Math.ceil(waitMs / 1000) : LOADING_RETRY_AFTER_S });
    }
  }

  #resident(entry: CatalogEntry): Resident {
    let resident = this.#residents.get(entry.id);
    if (!resident) {
      resident = {
        entry,
        runner: undefined,
        runnerStartedAt: 0,
        loading: undefined,
        lane: this.#admission.lane(entry.id),
        loads: new LoadClock(),
        flights: new Set(),
        gate: new SuspectGate(),
        alone: undefined,
        keepAliveMs: this.#options.keepAliveMs,
        idleTimer: undefined,
        crashes: 0,
        restartNotBefore: 0,
        memoryBytes: 0,
        vramBytes: undefined,
        lastUsedAt: 0,
      };
      this.#residents.set(entry.id, resident);
    }
    return resident;
  }

  /** Refuses (QUEUE_FULL) a request for `model` that would find its queue full now: see Admission. */
  checkCapacity(model: string): void {
    const resident = this.#residents.get(model);
    if (resident) this.#admission.checkCapacity(resident.lane);
  }

  /** Frees the request's slot; a model left idle arms its keep-alive timer. */
  #release(resident: Resident): void {
    resident.lastUsedAt = Date.now();
    if (!this.#admission.release(resident.lane)) return;
    clearTimeout(resident.idleTimer);
    resident.idleTimer = setTimeout(() => this.#unload(resident), resident.keepAliveMs);
    resident.idleTimer.unref();
  }

  #unload(resident: Resident): void {
    if (resident.lane.active > 0) return;
    const runner = resident.runner;
    resident.runner = undefined;
    runner?.kill();
  }

  #ensureLoaded(resident: Resident): Promise<Runner> {
    if (resident.runner?.alive) return Promise.resolve(resident.runner);
    if (this.#closed) return Promise.reject(shuttingDown());
    // A runner found dead here crashed (an unload forgets its runner first): its backoff applies.
    if (resident.runner) this.#crashed(resident, resident.runner);
    resident.loading ??= this.#load(resident).finally(() => (resident.loading = undefined));
    return resident.loading;
  }

  async #load(resident: Resident): Promise<Runner> {
    const wait = resident.restartNotBefore - Date.now();
    if (wait > 0) await delay(wait, undefined, { signal: this.#closing.signal }).catch(() => undefined);
    const { path, sizeBytes } = await this.#options.resolveModelPath(resident.entry);
    if (this.#closed) throw shuttingDown();
    this.#makeRoom(resident, sizeBytes + RUNNER_OVERHEAD_BYTES);
    const vramBytes = this.#makeVramRoom(resident, sizeBytes);
    const runner = this.#options.spawnRunner(resident.entry);
    const startedAt = Date.now();
    this.#runners.add(runner);
    void runner.exited.then(() => {
      this.#runners.delete(runner);
      this.#onExit(resident, runner);
    });
    const { loadTimeoutMs } = this.#options;
    resident.loads.started();
    try {
      // The engine reads what it needs from the descriptor: the scheduler knows no engine's settings.
      const loaded = runner.load({ model: toDescriptor(resident.entry), path, slots: this.#options.slots, threads: this.#options.threads, vramBytes });
      // Its runner beats while it loads, so only this bound ends a load that hangs.
      const info = await settleBy(loaded, loadTimeoutMs > 0 ? new Deadline(loadTimeoutMs) : undefined, undefined, `Loading ${resident.entry.id} took longer than ${loadTimeoutMs} ms; its runner was stopped`);
      resident.memoryBytes = await runner.memoryBytes();
      resident.vramBytes = info.vramBytes ?? 0;
      if (this.#closed) throw shuttingDown();
    } catch (error) {
      runner.kill();
      // close() killed it: its requests are told so, not that it crashed.
      throw this.#closed ? shuttingDown() : error;
    } finally {
      resident.loads.ended();
    }
    resident.runner = runner;
    resident.runnerStartedAt = startedAt;
    this.#options.metrics?.loads.inc({ model: resident.entry.id });
    return runner;
  }

  /** Evicts idle models until `needBytes` fits the budget, or refuses the load. */
  #makeRoom(resident: Resident, needBytes: number): void {
    const loaded = [...this.#residents.values()].filter((r) => r !== resident && r.runner);
    const candidates = loaded.map((r) => ({ model: r.entry.id, active: r.lane.active, memoryBytes: r.memoryBytes, lastUsedAt: r.lastUsedAt }));
    const evict = pickEvictions(candidates, needBytes, this.#options.memoryBudgetBytes);
    if (!evict) {
      throw new OutpostError("MODEL_LOADING", `Not enough memory to load ${resident.entry.id}: it needs about ${needBytes} bytes and busy models hold the rest of the ${this.#options.memoryBudgetBytes}-byte budget`, { retryAfterS: LOADING_RETRY_AFTER_S });
    }
    this.#evict(evict);
  }

  #evict(models: string[]): void {
    for (const model of models) {
      const victim = this.#residents.get(model);
      if (!victim) continue;
      clearTimeout(victim.idleTimer);
      this.#unload(victim);
      this.#options.metrics?.evictions.inc({ model });
    }
  }

  /**
   * Evicts idle models from VRAM (planVram) so that this one's measured VRAM, or its expected
   * need before its first load, fits the VRAM budget; returns what it may use, or undefined
   * when no GPU is in use.
   */
  #makeVramRoom(resident: Resident, sizeBytes: number): number | undefined {
    const budget = this.#options.vramBudgetBytes?.() ?? 0;
    const need = resident.vramBytes ?? this.#options.vramNeedBytes?.(resident.entry, sizeBytes) ?? 0;
    if (budget <= 0 || need <= 0) return undefined;
    const loaded = [...this.#residents.values()].filter((r) => r !== resident && r.runner);
    const plan = planVram(loaded.map((r) => ({ model: r.entry.id, active: r.lane.active, memoryBytes: r.vramBytes ?? 0, lastUsedAt: r.lastUsedAt })), need, budget);
    this.#evict(plan.evict);
    return plan.allowanceBytes;
  }

  /** Only a crash has a verdict: an unload forgets `resident.runner` before the kill. */
  #onExit(resident: Resident, runner: Runner): void {
    if (resident.runner === runner) this.#crashed(resident, runner);
  }
}

const shuttingDown = () => new OutpostError("ABORTED", "The server is shutting down");

/** No delay for a first crash (its requests are being retried), then a doubling backoff. */
function restartDelayMs(crashes: number): number {
  return crashes < 2 ? 0 : Math.min(RESTART_BACKOFF_MS * 2 ** (crashes - 2), RESTART_BACKOFF_MAX_MS);
}
