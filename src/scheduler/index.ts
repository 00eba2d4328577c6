export { Scheduler, type Runner, type SchedulerOptions, type ResidentStatus } from "./scheduler.js";
export { RunnerProcess } from "./runner-process.js";
export { LocalBackend } from "./local-backend.js";
export { Metrics, type ResidencySnapshot } from "./metrics.js";
export { pickEvictions, type EvictionCandidate } from "./eviction.js";
