import type { SchedulerOptions } from "./scheduler.js";

/**
 * The settings the scheduler suites share: a short queue deadline, generous run, load, poison
 * and keep-alive times, one thread, and memory no test runs out of. Each suite adds its slots and
 * fake runners.
 */
export const SUITE_OPTIONS = {
  maxQueue: 8,
  queueTimeoutMs: 5_000,
  runTimeoutMs: 60_000,
  loadTimeoutMs: 60_000,
  poisonBlockMs: 60_000,
  keepAliveMs: 60_000,
  threads: 1,
  threadBudget: 1,
  memoryBudgetBytes: 1e12,
  resolveModelPath: async () => ({ path: "/dev/null", sizeBytes: 1 }),
} satisfies Partial<SchedulerOptions>;
