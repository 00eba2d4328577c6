import type { JetStreamClient, KV, KvEntry, QueuedIterator } from "nats";
import type { SharedCache, SharedCacheEntry } from "../contract/index.js";
import { GATEWAY_CACHE_BUCKET, GATEWAY_CACHE_MAX_BYTES, GATEWAY_CACHE_MAX_ENTRY_BYTES, GATEWAY_CACHE_MAX_TTL_MS } from "./constants.js";
import { withReplicas } from "./distribution.js";

const text = new TextDecoder();
const bytes = new TextEncoder();

/**
 * The gateway caches of every node, shared through one JetStream KV bucket, so an answer cached
 * in one city is a hit in the others: each node puts what it stores and watches the bucket for
 * the rest, taking entries into its own cache (memory and database) as they come. A miss never
 * waits on the network. The bucket forgets entries after the longest TTL and past its size,
 * oldest first; an entry larger than a NATS message stays local.
 */
export class GatewayCacheReplica {
  readonly #kv: KV;
  readonly #log: (line: string) => void;
  /** Keys this node put, so that the watch does not take its own entries back in. */
  readonly #own = new Set<string>();
  #watch: QueuedIterator<KvEntry> | undefined;
  #failing: string | undefined;

  private constructor(kv: KV, log: (line: string) => void) {
    this.#kv = kv;
    this.#log = log;
  }

  static async open(js: JetStreamClient, cache: SharedCache, log: (line: string) => void): Promise<GatewayCacheReplica> {
    const kv = await withReplicas((replicas) => js.views.kv(GATEWAY_CACHE_BUCKET, { history: 1, replicas, ttl: GATEWAY_CACHE_MAX_TTL_MS, max_bytes: GATEWAY_CACHE_MAX_BYTES }));
    const replica = new GatewayCacheReplica(kv, log);
    // Only what is stored from now on: entries already in the bucket come in through the watch.
    replica.#watch = await kv.watch({ ignoreDeletes: true });
    void (async () => {
      for await (const entry of replica.#watch!) replica.#received(cache, entry);
    })().catch((error: unknown) => replica.#fail("watch", error));
    cache.onStored((entry) => void replica.#put(entry));
    return replica;
  }

  #received(cache: SharedCache, entry: KvEntry): void {
    if (entry.operation !== "PUT" || this.#own.delete(entry.key)) return;
    try {
      const shared = JSON.parse(text.decode(entry.value)) as SharedCacheEntry;
      if (shared.key === entry.key) cache.insert(shared);
    } catch (error) {
      this.#fail(`entry ${entry.key}`, error);
    }
  }

  async #put(entry: SharedCacheEntry): Promise<void> {
    const value = bytes.encode(JSON.stringify(entry));
    if (value.byteLength > GATEWAY_CACHE_MAX_ENTRY_BYTES) return;
    this.#own.add(entry.key);
    try {
      await this.#kv.put(entry.key, value);
      this.#failing = undefined;
    } catch (error) {
      this.#own.delete(entry.key);
      this.#fail(`put of ${entry.key}`, error);
    }
  }

  #fail(what: string, error: unknown): void {
    const message = `network: gateway cache sharing: ${what} failed: ${error instanceof Error ? error.message : String(error)}`;
    if (message !== this.#failing) this.#log(message);
    this.#failing = message;
  }

  close(): void {
    this.#watch?.stop();
  }
}
