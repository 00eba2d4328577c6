import type { OutpostError, EngineJob, EngineLoadOptions, EngineResult, LoadedModelInfo } from "../contract/index.js";
import type { CatalogEntry } from "../catalog/index.js";
import type { SchedulerMetrics } from "./metrics.js";

/** What the scheduler needs from a runner; RunnerProcess implements it, tests may fake it. */
export interface Runner {
  readonly alive: boolean;
  /**
   * It died of SIGKILL, which no input causes: the OOM killer, an operator, or the heartbeat
   * watchdog. Its requests are retried as after a crash, but none is made a suspect.
   */
  readonly killed: boolean;
  readonly exited: Promise<OutpostError>;
  load(options: EngineLoadOptions): Promise<LoadedModelInfo>;
  run(job: EngineJob, signal: AbortSignal): Promise<EngineResult>;
  /** Resident memory of the runner process in bytes, once loaded. */
  memoryBytes(): Promise<number>;
  kill(): void;
}

export interface SchedulerOptions {
  slots: number;
  maxQueue: number;
  queueTimeoutMs: number;
  /** Longest a request may run once admitted (a stream until its end); then it is stopped with TIMEOUT. */
  runTimeoutMs: number;
  /**
   * Longest a model's runner may take to start and load it, in ms; then the runner is killed and
   * the requests waiting for it fail with TIMEOUT. 0: no bound. The queue and run deadlines
   * leave this time out.
   */
  loadTimeoutMs: number;
  /** How long an input that crashed a runner twice is refused (POISON_INPUT), and how long a first crash makes it a suspect. */
  poisonBlockMs: number;
  keepAliveMs: number;
  threads: number;
  /**
   * llama.cpp threads that may compute at once across all models. A model starts serving only
   * when its `threads` fit; the rest wait in their queues, so the cores are never oversubscribed.
   */
  threadBudget: number;
  /** Loaded models may use at most this much memory together; idle ones are evicted LRU-first. */
  memoryBudgetBytes: number;
  /** GPU memory loaded models may use together, in bytes, now (it may be learned from the device); 0: no GPU in use. */
  vramBudgetBytes?: () => number;
  /**
   * VRAM a model is expected to need before it has been measured (its weights and KV cache
   * where its engine runs on a GPU, 0 where on the CPU).
   */
  vramNeedBytes?: (entry: CatalogEntry, sizeBytes: number) => number;
  /** Path and size of the verified weights file for a model. */
  resolveModelPath(entry: CatalogEntry): Promise<{ path: string; sizeBytes: number }>;
  spawnRunner(entry: CatalogEntry): Runner;
  metrics?: SchedulerMetrics;
}

export interface ResidentStatus {
  model: string;
  loaded: boolean;
  active: number;
  queued: number;
  memoryBytes: number;
  /** GPU memory the loaded model measured after load; 0 on the CPU or when not loaded. */
  vramBytes: number;
}
