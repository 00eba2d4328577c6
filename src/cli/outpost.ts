import { join } from "node:path";
import { OutpostError, type Backend } from "../contract/index.js";
import { Catalog, type CatalogEntry } from "../catalog/index.js";
import { createLocalAi, createRun, type Ai, type RunFn } from "../binding/index.js";
import { loadConfig, type Config } from "../config/index.js";
import { LocalBackend, RunnerProcess, Scheduler } from "../scheduler/index.js";
import { ModelStore } from "../store/index.js";

/** A fully wired single-process Outpost: the composition root shared by the CLI and the library. */
export interface Outpost {
  config: Config;
  catalog: Catalog;
  store: ModelStore;
  scheduler: Scheduler;
  backend: Backend;
  run: RunFn;
  /** An in-process `env.AI`. */
  ai: Ai;
  close(): void;
}

export interface OutpostHooks {
  /** Called when a model's file is in neither the mirror nor the store; may put it in the store (network mode pulls it from the object store). */
  fetchMissing?: (entry: CatalogEntry, modelsDir: string) => Promise<unknown>;
}

export function createOutpost(overrides: Partial<Config> = {}, hooks: OutpostHooks = {}): Outpost {
  const config = { ...loadConfig(), ...overrides };
  const catalog = new Catalog();
  const store = new ModelStore({ dataDir: config.dataDir, mirrorDir: config.modelMirror });
  const scheduler = new Scheduler({
    slots: config.slots,
    maxQueue: config.maxQueue,
    queueTimeoutMs: config.queueTimeoutMs,
    keepAliveMs: config.keepAliveMs,
    threads: config.threads,
    resolveModelPath: async (entry) => {
      try {
        return await store.resolve(entry);
      } catch (error) {
        if (!hooks.fetchMissing || !(error instanceof OutpostError && error.code === "MODEL_NOT_LOCAL")) throw error;
        await hooks.fetchMissing(entry, join(store.dataDir, "models"));
        return store.resolve(entry);
      }
    },
    spawnRunner: (entry) => new RunnerProcess(entry.id),
  });
  const backend = new LocalBackend(catalog, scheduler);
  return {
    config,
    catalog,
    store,
    scheduler,
    backend,
    run: createRun(backend),
    ai: createLocalAi(backend),
    close: () => scheduler.close(),
  };
}
