import type { Backend, EngineJob, EngineResult, ModelDescriptor, ModelSearchItem, ModelSearchParams, RunOptions } from "../contract/index.js";
import type { Catalog } from "../catalog/index.js";
import type { Scheduler } from "./scheduler.js";

/** Inference in this process's scheduler: the backend of single-process mode. */
export class LocalBackend implements Backend {
  readonly #catalog: Catalog;
  readonly #scheduler: Scheduler;

  constructor(catalog: Catalog, scheduler: Scheduler) {
    this.#catalog = catalog;
    this.#scheduler = scheduler;
  }

  describe(model: string): ModelDescriptor {
    return this.#catalog.describe(model);
  }

  execute(model: string, job: EngineJob, options: RunOptions): Promise<EngineResult> {
    return this.#scheduler.execute(this.#catalog.runnable(model), job, options);
  }

  checkCapacity(model: string): void {
    // The scheduler knows models by the id that serves them (an alias's target).
    this.#scheduler.checkCapacity(this.#catalog.resolve(model));
  }

  search(params: ModelSearchParams): ModelSearchItem[] {
    return this.#catalog.search(params);
  }
}
