import { Gauge, type Registry } from "prom-client";
import type { ComputeReport } from "../contract/index.js";
import type { ResidentStatus } from "./types.js";

/** One line for the server's log: the backend a library uses, and why not a GPU when it fell back. */
export function computeLine(report: ComputeReport): string {
  const devices = report.devices.map((d) => d.name).join(", ");
  const on = report.backend === "cpu" ? "CPU" : `${report.backend}${devices ? ` (${devices})` : ""}`;
  return `${report.library}: ${on}, --gpu ${report.requested}${report.fallbackReason ? ` fell back to the CPU: ${report.fallbackReason}` : ""}`;
}

/**
 * What each engine library computes on, as runners last reported it (runners measure: the
 * server process loads no engine). The first report of each library is logged, once: every
 * runner of it reports the same backend and reason.
 */
export class ComputeReports {
  readonly #latest = new Map<string, ComputeReport>();
  readonly #log: (line: string) => void;
  readonly #listeners: ((report: ComputeReport) => void)[] = [];

  constructor(log: (line: string) => void) {
    this.#log = log;
  }

  record(report: ComputeReport): void {
    if (!this.#latest.has(report.library)) this.#log(computeLine(report));
    this.#latest.set(report.library, report);
    for (const listener of this.#listeners) listener(report);
  }

  list(): ComputeReport[] {
    return [...this.#latest.values()];
  }

  /** The next report of `library`, or the latest if there is one. */
  first(library: string): Promise<ComputeReport> {
    const known = this.#latest.get(library);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      const listener = (report: ComputeReport) => {
        if (report.library !== library) return;
        this.#listeners.splice(this.#listeners.indexOf(listener), 1);
        resolve(report);
      };
      this.#listeners.push(listener);
    });
  }
}

/**
 * `/metrics` gauges for the reports: `outpost_compute_backend_info` (1 per library, labelled with
 * the backend, the setting and whether it fell back), `outpost_gpu_vram_bytes` per device, and
 * `outpost_model_vram_bytes` per loaded model.
 */
export function registerComputeMetrics(registry: Registry, reports: () => ComputeReport[], models: () => ResidentStatus[]): void {
  new Gauge({
    name: "outpost_compute_backend_info",
    help: "1 per engine library: the backend it computes on (cuda, vulkan, metal, cpu), the --gpu setting, and fallback=1 when a GPU was allowed but the CPU is used.",
    labelNames: ["library", "backend", "requested", "fallback"],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of reports()) this.set({ library: r.library, backend: r.backend, requested: r.requested, fallback: r.fallbackReason ? "1" : "0" }, 1);
    },
  });
  new Gauge({
    name: "outpost_gpu_vram_bytes",
    help: "GPU memory per device as the engine library last reported it: state is total, used or free.",
    labelNames: ["library", "device", "state"],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of reports()) {
        for (const d of r.devices) {
          if (!d.vram) continue;
          this.set({ library: r.library, device: d.name, state: "total" }, d.vram.totalBytes);
          this.set({ library: r.library, device: d.name, state: "used" }, d.vram.usedBytes);
          this.set({ library: r.library, device: d.name, state: "free" }, d.vram.freeBytes);
        }
      }
    },
  });
  new Gauge({
    name: "outpost_model_vram_bytes",
    help: "GPU memory of the model's runner, measured by its engine after load (0 on the CPU).",
    labelNames: ["model"],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of models()) if (s.loaded) this.set({ model: s.model }, s.vramBytes);
    },
  });
}
