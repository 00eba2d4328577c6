/** How a gateway retries a model before falling back to the next: AI Gateway's `retries` option. */
export interface GatewayRetries {
  /** Tries per model, 1 to 5. */
  maxAttempts: number;
  /** Wait before the second try, in ms (0 to 5000); later waits grow by `backoff`. */
  retryDelayMs: number;
  backoff: "constant" | "linear" | "exponential";
}

/**
 * One request's AI Gateway options, checked: the binding's `gateway` option
 * (`{id, skipCache, cacheTtl, cacheKey, metadata, …}`) or the `cf-aig-*` headers of a gateway URL.
 * Unset fields take the gateway's settings.
 */
export interface GatewayRequest {
  /** The gateway's id; unknown ids fail with Workers AI's 2001. */
  id: string;
  /** Neither read nor write the cache. */
  skipCache?: boolean;
  /** Seconds a cached answer stays fresh (60 to 2,592,000). */
  cacheTtlS?: number;
  /** Replaces the key built from model and inputs (still scoped to the gateway and account). */
  cacheKey?: string;
  /** Up to five entries kept with the request's log. */
  metadata?: Record<string, string | number | boolean>;
  /** False: no log entry for this request, whatever the gateway says. */
  collectLog?: boolean;
  /** Caller's id for the request, kept in its log entry. */
  eventId?: string;
  /** A model that has not answered (its first token, for streams) within this many ms counts as failed and the next is tried. */
  requestTimeoutMs?: number;
  retries?: GatewayRetries;
}

/** What a gateway did with a request, told to the surface before the first byte (headers). */
export interface GatewayOutcome {
  /** Sent as `cf-aig-log-id`; the id of the log entry (written even when logging is off for it, so the id is stable). */
  logId: string;
  cacheStatus: "HIT" | "MISS";
  /** The model that served: the one asked for, or a fallback. */
  model: string;
}

/** One gateway cache entry as nodes share it: `payload` is the cached answer's JSON; times are epoch ms. */
export interface SharedCacheEntry {
  key: string;
  gateway: string;
  payload: string;
  storedAt: number;
  expiresAt: number;
}

/** A node's gateway cache, as network mode shares it: entries it stores go out, others' come in. */
export interface SharedCache {
  /** Calls `publish` with every entry this node stores from now on. */
  onStored(publish: (entry: SharedCacheEntry) => void): void;
  /** Takes another node's entry; false when it is expired or too big for this cache. */
  insert(entry: SharedCacheEntry): boolean;
}
