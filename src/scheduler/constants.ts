/** Lines of a runner's stderr kept to explain a crash. */
export const STDERR_TAIL_LINES = 20;
/**
 * Restart delay after the second consecutive crash no poison input explains, doubled per further
 * crash up to the maximum. The first crash restarts at once: its requests are being retried.
 */
export const RESTART_BACKOFF_MS = 250;
export const RESTART_BACKOFF_MAX_MS = 8_000;
/** A runner that lived this long resets the crash count. */
export const HEALTHY_AFTER_MS = 60_000;
/** Retry-After, in seconds, for requests refused while their model loads or waits for memory. */
export const LOADING_RETRY_AFTER_S = 2;
/** Memory a runner needs beyond its weights file (Node, llama.cpp, KV cache of tiny contexts), assumed before it is measured. */
export const RUNNER_OVERHEAD_BYTES = 128 * 1024 * 1024;
/** Inputs remembered as crash suspects or poison across all models; the oldest are forgotten first. */
export const CRASH_FINGERPRINTS_MAX = 1_024;
