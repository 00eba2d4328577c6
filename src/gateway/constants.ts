/** AI Gateway's bounds on a cache TTL, in seconds: a minute to a month. */
export const MIN_CACHE_TTL_S = 60;
export const MAX_CACHE_TTL_S = 2_592_000;
/** Custom metadata entries kept per request; AI Gateway keeps the first five and ignores the rest. */
export const MAX_METADATA_ENTRIES = 5;
/** Longest custom cache key and metadata value, in characters. */
export const MAX_CACHE_KEY_CHARS = 1_024;
export const MAX_METADATA_VALUE_CHARS = 1_024;
/** AI Gateway's bounds on retries: 1 to 5 tries per model, at most 5 s between them. */
export const MAX_ATTEMPTS = 5;
export const MAX_RETRY_DELAY_MS = 5_000;
/** Models one gateway may fall back to, after the one asked for. */
export const MAX_FALLBACKS = 8;
/** A gateway id: what AI Gateway allows in its URLs (letters, digits, - and _), at most 64. */
export const GATEWAY_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** The gateway that always exists, as Cloudflare creates `default` on first use. */
export const DEFAULT_GATEWAY = "default";
/** The largest answer one cache entry holds, in bytes; larger answers are served but not cached. */
export const MAX_CACHE_ENTRY_BYTES = 8 * 1024 * 1024;
/** How often queued log entries are written, in ms: one transaction per batch, off the request's path. */
export const LOG_FLUSH_MS = 200;
/** Log entries waiting to be written; past it the oldest are dropped and counted. */
export const MAX_PENDING_LOGS = 10_000;
/** Longest logged input or output text, in characters; the rest is cut. */
export const MAX_LOGGED_CHARS = 16_384;
/** How often old log entries are pruned, in ms. */
export const LOG_PRUNE_MS = 3_600_000;
/** How long a gateway's settings, once read from the database, serve requests before it is read again, in ms. */
export const REGISTRY_FRESH_MS = 1_000;
