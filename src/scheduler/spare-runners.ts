import type { RunnerProcess } from "./runner-process.js";

/**
 * How long after a taken spare's load its replacement starts. Booting a runner (a node process
 * importing its engine) takes a core for most of a second; started at once it slowed the first
 * answers of the new runner, which are the requests that waited out the restart, by up to
 * 250 ms on 2 cores. The crash that could come meanwhile finds the next spare.
 */
const REFILL_AFTER_LOAD_MS = 1_000;

/**
 * Runners started ahead of need, `depth` per engine, each with its engine created (for
 * llama.cpp: node-llama-cpp imported and getLlama done, most of a runner's start), so the
 * runner that replaces a crashed one, or serves the next model, only has to load its model.
 * Spares are kept for each engine that has been used. Two by default, because a crash often
 * comes in a pair: a poison input crashes its runner, then crashes the replacement on its lone
 * retry (scheduler.ts), and the second replacement must not wait for a spare still booting,
 * which takes several times as long as a load on a ready one. A taken spare is replaced a
 * while after the runner that took it has loaded (booting sooner would slow the load, and the
 * answers, that clients are waiting for), and a further missing one once that replacement is
 * ready, so spares do not boot side by side.
 */
export class SpareRunners {
  readonly #spawn: (label: string) => RunnerProcess;
  readonly #depth: number;
  /** Per engine, oldest (most likely ready) first. */
  readonly #spares = new Map<string, RunnerProcess[]>();
  /** Spares whose engine is still being created. */
  readonly #booting = new Set<RunnerProcess>();
  /**
   * Runners handed out whose model is still loading. No spare boots beside them: at `serve`
   * start the first request takes the first spare, and the second spare, started as soon as the
   * first was ready, took a core from that load and made cold start to first token 2.8× a raw
   * process instead of 2.35× with no spares (2 cores). take() refills once they have loaded.
   */
  readonly #loading = new Set<RunnerProcess>();
  #closed = false;

  constructor(spawn: (label: string) => RunnerProcess, depth: number) {
    this.#spawn = spawn;
    this.#depth = depth;
  }

  /** A runner for a model of `engine`: its oldest live spare, else a new one. */
  take(engine: string, model: string): RunnerProcess {
    const pool = this.#pool(engine);
    const spare = pool.shift();
    const runner = spare ?? this.#spawn(model);
    this.#loading.add(runner);
    void runner.loadSettled.then(() => {
      this.#loading.delete(runner);
      setTimeout(() => this.#refill(engine), REFILL_AFTER_LOAD_MS).unref();
    });
    return runner;
  }

  /**
   * Starts the spares for `engine` now if there are none: at `serve` start for llama, so that
   * the first model's load finds its engine ready and the backend in use is known (and logged) early.
   */
  warm(engine: string): void {
    this.#refill(engine);
  }

  /** The spares alive now: idle, so they answer a compute query at once. */
  alive(): RunnerProcess[] {
    return [...this.#spares.keys()].flatMap((engine) => this.#pool(engine));
  }

  /** Kills every spare, booting ones too; resolves once all of them have exited. Taken ones are their scheduler's. */
  async close(): Promise<void> {
    this.#closed = true;
    const spares = [...this.#spares.values()].flat();
    this.#spares.clear();
    for (const spare of spares) spare.kill();
    await Promise.all(spares.map((spare) => spare.exited));
  }

  /** The live spares of `engine`; dead ones (killed, crashed while idle) are dropped. */
  #pool(engine: string): RunnerProcess[] {
    const pool = (this.#spares.get(engine) ?? []).filter((spare) => spare.alive);
    this.#spares.set(engine, pool);
    return pool;
  }

  /** Starts one spare if `engine` has fewer than `depth`, none booting and no model loading, and the next once it is ready. */
  #refill(engine: string): void {
    const pool = this.#pool(engine);
    if (this.#closed || this.#loading.size > 0 || pool.length >= this.#depth || pool.some((spare) => this.#booting.has(spare))) return;
    const spare = this.#spawn(`spare ${engine}`);
    pool.push(spare);
    this.#booting.add(spare);
    void spare.prepare(engine).then((ok) => {
      this.#booting.delete(spare);
      // An engine that cannot be created gets no more spares: each would fail the same way.
      if (ok) this.#refill(engine);
    });
  }
}
