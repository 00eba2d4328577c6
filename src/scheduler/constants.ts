/** Tokens a runner may send ahead of the consumer: bounds memory per stream (a few KiB). */
export const STREAM_CREDIT_TOKENS = 16;
/** Lines of a runner's stderr kept to explain a crash. */
export const STDERR_TAIL_LINES = 20;
/** First restart delay after a runner crash, doubled per consecutive crash up to the maximum. */
export const RESTART_BACKOFF_MS = 250;
export const RESTART_BACKOFF_MAX_MS = 8_000;
/** A runner that lived this long resets the crash count. */
export const HEALTHY_AFTER_MS = 60_000;
/** Longest a cancelled stream waits for its runner to confirm the end before its slot is reused. */
export const CANCEL_WAIT_MS = 2_000;
