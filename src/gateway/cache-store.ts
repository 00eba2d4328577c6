import { guarded, statement, type DatabaseHandle } from "../accounts/index.js";
import type { CacheEntry, CacheSink, ResponseCache } from "./cache.js";
import { LOG_FLUSH_MS } from "./constants.js";

interface CacheRow {
  key: string;
  gateway: string;
  payload: string;
  stored_at: number;
  expires_at: number;
}

/**
 * The cache's copy in the database, so a restart keeps it. Stores and evictions are queued and
 * written together every LOG_FLUSH_MS: a request never waits for SQLite's fsync. A write the
 * database refuses (locked, full) is dropped, and logged once: the cache is only a cache.
 */
export class CacheStore implements CacheSink {
  readonly #handle: DatabaseHandle;
  readonly #log: (line: string) => void;
  readonly #pending = new Map<string, CacheEntry | null>();
  #timer: NodeJS.Timeout | undefined;
  #failing = false;

  constructor(handle: DatabaseHandle, log: (line: string) => void) {
    this.#handle = handle;
    this.#log = log;
  }

  /** Fills `cache` with the unexpired entries, oldest first, so the newest survive its bound; drops the expired ones. */
  load(cache: ResponseCache, now = Date.now()): void {
    const db = this.#handle.db;
    guarded(db, () => {
      statement(db, "DELETE FROM gateway_cache WHERE expires_at <= ?").run(now);
      for (const row of statement<[], CacheRow>(db, "SELECT * FROM gateway_cache ORDER BY stored_at").iterate()) {
        cache.restore({ key: row.key, gateway: row.gateway, payload: row.payload, storedAt: row.stored_at, expiresAt: row.expires_at });
      }
    });
  }

  stored(entry: CacheEntry): void {
    this.#queue(entry.key, entry);
  }

  evicted(key: string): void {
    this.#queue(key, null);
  }

  #queue(key: string, entry: CacheEntry | null): void {
    this.#pending.set(key, entry);
    if (!this.#timer) {
      this.#timer = setTimeout(() => this.flush(), LOG_FLUSH_MS);
      this.#timer.unref();
    }
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending];
    this.#pending.clear();
    const db = this.#handle.db;
    try {
      guarded(db, () =>
        db.transaction(() => {
          for (const [key, entry] of batch) {
            if (entry) statement(db, "INSERT OR REPLACE INTO gateway_cache (key, gateway, payload, stored_at, expires_at) VALUES (?, ?, ?, ?, ?)").run(key, entry.gateway, entry.payload, entry.storedAt, entry.expiresAt);
            else statement(db, "DELETE FROM gateway_cache WHERE key = ?").run(key);
          }
        })(),
      );
      if (this.#failing) this.#log("gateway: the cache is written to the database again");
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) this.#log(`gateway: cache entries not saved (${(error as Error).message}); they are still served from memory`);
      this.#failing = true;
    }
  }
}
