export { Scheduler } from "./scheduler.js";
export type { Runner, SchedulerOptions, ResidentStatus } from "./types.js";
export { RunnerProcess } from "./runner-process.js";
export { SpareRunners } from "./spare-runners.js";
export { LocalBackend } from "./local-backend.js";
export { SchedulerMetrics, type ResidencySnapshot } from "./metrics.js";
export { pickEvictions, type EvictionCandidate } from "./eviction.js";
export { ComputeReports, computeLine, registerComputeMetrics } from "./compute.js";
