import { Counter, Gauge, type Registry } from "prom-client";

export interface ResidencySnapshot {
  model: string;
  loaded: boolean;
  active: number;
  queued: number;
  memoryBytes: number;
}

/** The scheduler's metrics on the process's registry (GET /metrics): refusals, loads, evictions, restarts and residency per model. */
export class SchedulerMetrics {
  readonly rejections: Counter;
  readonly loads: Counter;
  readonly evictions: Counter;
  readonly restarts: Counter;

  /** `snapshot` is read at scrape time, so the gauges show the residency of that moment. */
  constructor(registry: Registry, snapshot: () => ResidencySnapshot[]) {
    const registers = [registry];
    this.rejections = new Counter({ name: "outpost_rejections_total", help: "Requests refused at admission (queue full or reject-if-busy): the 429s.", labelNames: ["model"], registers });
    this.loads = new Counter({ name: "outpost_model_loads_total", help: "Model loads (runner starts).", labelNames: ["model"], registers });
    this.evictions = new Counter({ name: "outpost_model_evictions_total", help: "Models unloaded to make room under the memory budget.", labelNames: ["model"], registers });
    this.restarts = new Counter({ name: "outpost_runner_restarts_total", help: "Runner processes that died and were replaced.", labelNames: ["model"], registers });
    const perModel = (name: string, help: string, pick: (s: ResidencySnapshot) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["model"],
        registers,
        collect() {
          this.reset();
          for (const s of snapshot()) this.set({ model: s.model }, pick(s));
        },
      });
    perModel("outpost_queue_depth", "Requests waiting for a slot.", (s) => s.queued);
    perModel("outpost_active_sequences", "Requests holding a slot (generating or embedding).", (s) => s.active);
    perModel("outpost_model_loaded", "1 while the model's runner is up.", (s) => (s.loaded ? 1 : 0));
    perModel("outpost_model_memory_bytes", "Resident memory of the model's runner, measured after load.", (s) => s.memoryBytes);
  }
}
