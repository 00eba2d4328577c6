import type { RunEvent, SharedCache, SharedCacheEntry } from "../contract/index.js";

/**
 * A cached answer: a JSON value (as its text), a token stream's events, replayed as they came,
 * or bytes (a picture, audio) as base64 with their content type.
 */
export type CachedAnswer = { kind: "json"; text: string } | { kind: "events"; events: RunEvent[] } | { kind: "bytes"; contentType: string; base64: string };

/** One entry as it is stored and shared: `payload` is the answer's JSON. */
export type CacheEntry = SharedCacheEntry;

/** Where entries outlive the process (the database) and reach other nodes (the network). */
export interface CacheSink {
  /** `remote`: it came from another node, which has told the others already. */
  stored(entry: CacheEntry, origin: "local" | "remote"): void;
  evicted(key: string): void;
}

const sizeOf = (entry: CacheEntry) => Buffer.byteLength(entry.payload) + entry.key.length + entry.gateway.length;

/**
 * The gateway cache: least recently used out first, bounded in bytes; an expired entry is
 * never served. Every entry is held in memory, so a hit costs a map lookup and a parse; the
 * sinks keep a copy on disk and tell other nodes, off the request's path.
 */
export class ResponseCache implements SharedCache {
  readonly #maxBytes: number;
  readonly #now: () => number;
  readonly #sinks: CacheSink[] = [];
  /** Insertion order is recency order: a hit moves its entry to the end. */
  readonly #entries = new Map<string, CacheEntry & { sizeBytes: number }>();
  #bytes = 0;

  constructor(options: { maxBytes: number; now?: () => number }) {
    this.#maxBytes = options.maxBytes;
    this.#now = options.now ?? Date.now;
  }

  /** Adds a sink; it is told of every later store and eviction. */
  attach(sink: CacheSink): void {
    this.#sinks.push(sink);
  }

  get(key: string): CachedAnswer | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#remove(key);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return JSON.parse(entry.payload) as CachedAnswer;
  }

  /** Stores an answer this node produced; the sinks save and share it. */
  put(key: string, gateway: string, answer: CachedAnswer, ttlS: number): void {
    const storedAt = this.#now();
    const entry = { key, gateway, payload: JSON.stringify(answer), storedAt, expiresAt: storedAt + ttlS * 1000 };
    if (this.restore(entry)) for (const sink of this.#sinks) sink.stored(entry, "local");
  }

  /** Takes another node's entry: saved, not shared again. */
  insert(entry: CacheEntry): boolean {
    if (!this.restore(entry)) return false;
    for (const sink of this.#sinks) sink.stored(entry, "remote");
    return true;
  }

  onStored(publish: (entry: CacheEntry) => void): void {
    this.attach({ stored: (entry, origin) => origin === "local" && publish(entry), evicted: () => {} });
  }

  /** Takes an entry back from the database, telling no sink. False when it is expired or too big to hold. */
  restore(entry: CacheEntry): boolean {
    const sizeBytes = sizeOf(entry);
    if (entry.expiresAt <= this.#now() || sizeBytes > this.#maxBytes) return false;
    if (this.#entries.has(entry.key)) this.#remove(entry.key, false);
    this.#entries.set(entry.key, { ...entry, sizeBytes });
    this.#bytes += sizeBytes;
    for (const [oldest] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#remove(oldest);
    }
    return this.#entries.has(entry.key);
  }

  #remove(key: string, tell = true): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#bytes -= entry.sizeBytes;
    if (tell) for (const sink of this.#sinks) sink.evicted(key);
  }

  get sizeBytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }
}
