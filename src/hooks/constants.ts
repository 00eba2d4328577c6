/** Shortest time between two starts of one plugin's thread, in ms: a plugin that dies as it loads is retried once a second, not in a loop. */
export const RESTART_BACKOFF_MS = 1_000;

/** Events a token filter reads ahead of its consumer while the plugins work on the previous batch. */
export const MAX_READ_AHEAD_EVENTS = 64;

/** Least time between two log lines for the same plugin, hook and kind of failure, in ms. */
export const FAILURE_LOG_INTERVAL_MS = 1_000;

/** Ended streams a plugin thread is told about in one message when no call has carried them sooner. */
export const MAX_UNSENT_RELEASES = 64;
