/** Attempts per source before a pull moves on to the next source; each resumes where the last stopped. */
export const PULL_ATTEMPTS = 4;
/** Wait before the second attempt, in ms; doubles per attempt. */
export const PULL_RETRY_DELAY_MS = 1_000;
/** Redirects followed per request (Hugging Face answers `resolve/` with one to its CDN). */
export const MAX_REDIRECTS = 10;
/** Free space kept on top of what a download needs, in bytes, so a pull never fills the disk to the last block. */
export const DISK_HEADROOM_BYTES = 64 * 1024 * 1024;
/** Least time between two progress events of one pull, in ms. */
export const PROGRESS_INTERVAL_MS = 250;
/** Window the transfer rate is averaged over, in ms. */
export const RATE_WINDOW_MS = 5_000;
/** How often a process holding a pull lock touches it, and how often a waiter polls it, in ms. */
export const LOCK_HEARTBEAT_MS = 2_000;
/** A lock untouched for this long is stale whoever holds it (another host, a frozen process), in ms. */
export const LOCK_STALE_MS = 30_000;
/** Finished pulls remembered for `GET /api/pulls`. */
export const FINISHED_PULLS_KEPT = 100;
/** Longest model name accepted, in characters. */
export const MAX_MODEL_NAME_LENGTH = 200;
