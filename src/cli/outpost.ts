import { WatchedDatabase } from "../accounts/index.js";
import { OutpostError, type Backend, type ModelDescriptor, type SystemReport } from "../contract/index.js";
import { Catalog, type CatalogEntry } from "../catalog/index.js";
import { collectDefaultMetrics, Registry } from "prom-client";
import { answerGatewayCall } from "../api/index.js";
import { createLocalAi, createRun, RequestMetrics, type Ai, type GatewayCall, type RunFn } from "../binding/index.js";
import { ENGINE_NAMES } from "../engines/index.js";
import { gatewayFromOption, openGateways, type OpenedGateways } from "../gateway/index.js";
import { loadAliases, loadConfig, runnerEnvironment, type Config } from "../config/index.js";
import { ComputeReports, LocalBackend, registerComputeMetrics, RunnerProcess, Scheduler, SchedulerMetrics, SpareRunners } from "../scheduler/index.js";
import type { PluginHost } from "../hooks/index.js";
import { customEntry, diskSizeBytes, loadCustomModels, ModelStore, StoreAdmin } from "../store/index.js";

/** A fully wired single-process Outpost: the composition root shared by the CLI and the library. */
export interface Outpost {
  config: Config;
  catalog: Catalog;
  store: ModelStore;
  /** Pulls, the local list, removal and custom models, over `store` and `catalog`. */
  admin: StoreAdmin;
  scheduler: Scheduler;
  /** The process's Prometheus registry (GET /metrics): request, scheduler, compute and process metrics. */
  registry: Registry;
  /** run()'s request metrics and the last finished requests. */
  requests: RequestMetrics;
  backend: Backend;
  /** run() over the local backend, through the gateway a request names (see `ai`). */
  run: RunFn;
  /**
   * The run() every surface calls, over `backend` (the local one, or the network's): request
   * hooks outermost, then `around` (the server's AI Gateway), then request metrics. So a cached
   * answer passes the hooks like any other (a plugin that blocks a request blocks it from the
   * cache too), the cache key is taken on the inputs the hooks let through (a redacted prompt,
   * never the raw one), and /metrics counts each attempt that reaches the backend (the gateway
   * logs its cache hits itself).
   */
  runOver(backend: Backend, around?: (run: RunFn) => RunFn): RunFn;
  /**
   * An in-process `env.AI`. Its `gateway` option is served as on the server, over the same
   * database (the data directory's: what `outpost gateways create` made, the cache, the logs),
   * opened at the first request that names a gateway: a process that names none opens none.
   */
  ai: Ai;
  /**
   * The AI Gateway over the data directory's database (what `outpost gateways create` made, the
   * cache, the logs), opened at the first call: by `ai` at its first request naming a gateway,
   * by `serve` at its start. Closed by `close`.
   */
  gateways(): OpenedGateways;
  /** GET /api/system: fresh compute reports from the idle spare runners, and VRAM per model. */
  system(): Promise<SystemReport>;
  /** Starts an engine's spare runner now (`serve` does for llama: a ready engine, and its backend known). */
  warm(engine: string): void;
  /** Closes the stores and kills every runner, loading ones and spares too; resolves once all of them have exited. */
  close(): Promise<void>;
}

export interface OutpostHooks {
  /** Called when a model's file is in neither the mirror nor the store; may put it in the store (network mode pulls it from the object store). */
  fetchMissing?: (entry: CatalogEntry, store: ModelStore) => Promise<unknown>;
  /** The operator's plugins: token hooks on the backend, request hooks around `run`. */
  plugins?: PluginHost;
  /** Where the one line per engine library saying what it computes on goes; default stderr. */
  log?: (line: string) => void;
  /** The accounts database the caller holds open (and closes): the AI Gateway opens over it instead of its own. */
  db?: WatchedDatabase;
  /** How the AI Gateway finds a model's task and serving id; default this node's backend (`serve` passes the network's). */
  describe?: (model: string) => ModelDescriptor;
}

/** How long GET /api/system waits for a runner's report (the first llama.cpp probe starts a runner). */
const SYSTEM_PROBE_MS = 30_000;
/** VRAM a GPU model is assumed to need beyond its weights before it is measured: KV cache and compute buffers. */
const VRAM_OVERHEAD_BYTES = 512 * 1024 * 1024;

export function createOutpost(overrides: Partial<Config> = {}, hooks: OutpostHooks = {}): Outpost {
  const config = { ...loadConfig(), ...overrides };
  const catalog = new Catalog(ENGINE_NAMES);
  const store = new ModelStore({ dataDir: config.dataDir, mirrorDir: config.modelMirror, hfEndpoint: config.hfEndpoint, hfToken: config.hfToken });
  for (const record of loadCustomModels(store.layout)) {
    // A custom model never shadows a catalog id (the file may predate the catalog entry).
    if (!catalog.find(record.name)) catalog.add(customEntry(record));
  }
  for (const [id, target] of loadAliases(config)) catalog.alias(id, target);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "outpost_process_" });
  const requests = new RequestMetrics(registry);
  // The gauges read the scheduler at scrape time; it is assigned just below.
  const metrics = new SchedulerMetrics(registry, () => scheduler.status());
  const compute = new ComputeReports(hooks.log ?? ((line) => console.error(line)));
  const env = runnerEnvironment(config);
  const spares = new SpareRunners((label) => new RunnerProcess(label, { heartbeatTimeoutMs: config.runnerHeartbeatTimeoutMs, env, onCompute: (report) => compute.record(report) }), config.spareRunners);
  const llamaOnGpu = () => compute.list().some((r) => r.library === "llama.cpp" && r.backend !== "cpu");
  const vramBudgetBytes = () => {
    if (!llamaOnGpu()) return 0;
    return config.vramBudgetBytes || (compute.list().find((r) => r.library === "llama.cpp")?.devices[0]?.vram?.totalBytes ?? 0);
  };
  const scheduler: Scheduler = new Scheduler({
    slots: config.slots,
    maxQueue: config.maxQueue,
    queueTimeoutMs: config.queueTimeoutMs,
    runTimeoutMs: config.runTimeoutMs,
    loadTimeoutMs: config.loadTimeoutMs,
    poisonBlockMs: config.poisonBlockMs,
    keepAliveMs: config.keepAliveMs,
    threads: config.threads,
    threadBudget: config.threadBudget,
    memoryBudgetBytes: config.memoryBudgetBytes,
    // Only llama.cpp's VRAM is measured (onnxruntime reports none), so only its models count against the budget.
    vramBudgetBytes,
    vramNeedBytes: (entry, sizeBytes) => (entry.engine === "llama" && llamaOnGpu() ? sizeBytes + VRAM_OVERHEAD_BYTES : 0),
    resolveModelPath: async (entry) => {
      // A model that is programs has no files: its engine finds the programs itself.
      if (entry.programs) return { path: "", sizeBytes: 0 };
      const path = await store.resolve(entry).catch(async (error: unknown) => {
        if (!hooks.fetchMissing || !(error instanceof OutpostError && error.code === "MODEL_NOT_LOCAL")) throw error;
        await hooks.fetchMissing(entry, store);
        return store.resolve(entry);
      });
      return { path, sizeBytes: await diskSizeBytes(path) };
    },
    spawnRunner: (entry) => spares.take(entry.engine, entry.id),
    metrics,
  });
  registerComputeMetrics(registry, () => compute.list(), () => scheduler.status());
  const local = new LocalBackend(catalog, scheduler);
  // Token hooks run where the model is served: here, for requests of this node and of others.
  const backend = hooks.plugins?.wrapBackend(local) ?? local;
  const taskOf = (model: string) => catalog.describe(model).task;
  const runOver = (over: Backend, around: (run: RunFn) => RunFn = (run) => run): RunFn => {
    const run = around(requests.instrument(createRun(over), taskOf, (model) => catalog.resolve(model)));
    return hooks.plugins?.wrapRun(run, taskOf) ?? run;
  };
  let ownDb: WatchedDatabase | undefined;
  let opened: OpenedGateways | undefined;
  const gateways = () => {
    if (!opened) {
      const log = (line: string) => console.error(line);
      const db = hooks.db ?? (ownDb = new WatchedDatabase(config.dataDir, { log }));
      opened = openGateways({ db, cacheBytes: config.gatewayCacheBytes, describe: hooks.describe ?? ((model) => backend.describe(model)), rateOf: (model) => catalog.find(model)?.neurons, log });
    }
    return opened;
  };
  const run = runOver(backend, (inner) => {
    let gated: RunFn | undefined;
    return (model, inputs, options = {}) => (options.gateway ? (gated ??= gateways().gateways.wrap(inner))(model, inputs, options) : inner(model, inputs, options));
  });
  const gatewayCall: GatewayCall = (url, init) =>
    answerGatewayCall(
      { gateways: gateways().surface, run },
      {
        method: init.method,
        url,
        header: (name) => Object.entries(init.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1],
        body: async () => JSON.parse(init.body ?? "null") as unknown,
        options: {},
        // In-process there is no URL to give, and no account's limits to apply.
        origin: undefined,
        admit: () => {},
      },
    );
  hooks.plugins?.countIn(registry);
  return {
    config,
    catalog,
    store,
    admin: new StoreAdmin(catalog, store),
    scheduler,
    backend,
    registry,
    requests,
    run,
    runOver,
    ai: createLocalAi(backend, run, { request: (raw) => gatewayFromOption(raw), call: gatewayCall }),
    gateways,
    system: async () => {
      if (!compute.list().some((r) => r.library === "llama.cpp")) spares.warm("llama");
      const probe = new Promise<void>((resolve) => setTimeout(() => resolve(), SYSTEM_PROBE_MS).unref());
      await Promise.race([compute.first("llama.cpp"), probe]);
      // Idle spares answer at once; a runner busy decoding would hold the answer up.
      await Promise.all(spares.alive().map((spare) => spare.compute(SYSTEM_PROBE_MS)));
      const models = scheduler.status().map(({ model, loaded, memoryBytes, vramBytes }) => ({ model, loaded, memoryBytes, vramBytes }));
      return { gpu: config.gpu as SystemReport["gpu"], gpuLayers: config.gpuLayers, vramBudgetBytes: vramBudgetBytes(), engines: compute.list(), models };
    },
    warm: (engine) => spares.warm(engine),
    close: async () => {
      const runners = Promise.all([scheduler.close(), spares.close()]);
      store.close();
      opened?.close();
      ownDb?.close();
      await runners;
    },
  };
}
