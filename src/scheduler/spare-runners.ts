import type { RunnerProcess } from "./runner-process.js";

/**
 * One runner per engine started ahead of need, with its engine created (for llama.cpp:
 * node-llama-cpp imported and getLlama done, most of a runner's start), so the runner that
 * replaces a crashed one, or serves the next model, only has to load its model. A spare is
 * kept for each engine that has been used, and replaced once the runner that took it has
 * loaded: booting the next spare meanwhile would slow the very load a client waits for.
 */
export class SpareRunners {
  readonly #spawn: (label: string) => RunnerProcess;
  readonly #spares = new Map<string, RunnerProcess>();
  #closed = false;

  constructor(spawn: (label: string) => RunnerProcess) {
    this.#spawn = spawn;
  }

  /** A runner for a model of `engine`: the spare if it is alive, else a new one. */
  take(engine: string, model: string): RunnerProcess {
    const spare = this.#spares.get(engine);
    this.#spares.delete(engine);
    const runner = spare?.alive ? spare : this.#spawn(model);
    void runner.loadSettled.then(() => this.#refill(engine));
    return runner;
  }

  /**
   * Starts the spare for `engine` now if there is none: at `serve` start for llama, so that the
   * first model's load finds its engine ready and the backend in use is known (and logged) early.
   */
  warm(engine: string): void {
    this.#refill(engine);
  }

  /** The spares alive now: idle, so they answer a compute query at once. */
  alive(): RunnerProcess[] {
    return [...this.#spares.values()].filter((spare) => spare.alive);
  }

  close(): void {
    this.#closed = true;
    for (const spare of this.#spares.values()) spare.kill();
    this.#spares.clear();
  }

  #refill(engine: string): void {
    if (this.#closed || this.#spares.has(engine)) return;
    const spare = this.#spawn(`spare ${engine}`);
    spare.prepare(engine);
    this.#spares.set(engine, spare);
  }
}
