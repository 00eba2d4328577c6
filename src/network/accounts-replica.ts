import type { JetStreamClient, KV, KvEntry, QueuedIterator } from "nats";
import type { ReplicaSource } from "../contract/index.js";
import { ACCOUNTS_BUCKET, ACCOUNTS_POLL_MS } from "./constants.js";
import { withReplicas } from "./distribution.js";

const text = new TextDecoder();
const bytes = new TextEncoder();

/**
 * Tokens and accounts shared through a JetStream KV bucket, so a token created on one node
 * works on all of them: every node keeps its own database and joins the bucket's values into
 * it (ReplicaSource.merge). Local changes, from the admin API or from the CLI writing the file
 * directly, are found by looking at the database every ACCOUNTS_POLL_MS and pushed with the
 * revision last seen, so a node never overwrites a value it has not joined.
 */
export class AccountsReplica {
  readonly #kv: KV;
  readonly #source: ReplicaSource;
  readonly #log: (line: string) => void;
  /** The bucket's value and revision per key, as last seen. */
  readonly #seen = new Map<string, { value: string; revision: number }>();
  readonly #timer: NodeJS.Timeout;
  #watch: QueuedIterator<KvEntry> | undefined;
  #failing: string | undefined;

  private constructor(kv: KV, source: ReplicaSource, log: (line: string) => void) {
    this.#kv = kv;
    this.#source = source;
    this.#log = log;
    this.#timer = setInterval(() => void this.sync(), ACCOUNTS_POLL_MS);
    this.#timer.unref();
  }

  static async open(js: JetStreamClient, source: ReplicaSource, log: (line: string) => void): Promise<AccountsReplica> {
    const kv = await withReplicas((replicas) => js.views.kv(ACCOUNTS_BUCKET, { history: 1, replicas }));
    const replica = new AccountsReplica(kv, source, log);
    await replica.#start();
    return replica;
  }

  async #start(): Promise<void> {
    let initialized!: () => void;
    const ready = new Promise<void>((resolve) => (initialized = resolve));
    this.#watch = await this.#kv.watch({ ignoreDeletes: true, initializedFn: () => initialized() });
    void (async () => {
      for await (const entry of this.#watch!) this.#received(entry);
    })().catch((error: unknown) => this.#fail("watch", error));
    // What the bucket holds is joined in before this node pushes anything of its own.
    await ready;
    await this.sync();
  }

  #received(entry: KvEntry): void {
    if (entry.operation !== "PUT") return;
    const value = text.decode(entry.value);
    this.#seen.set(entry.key, { value, revision: entry.revision });
    try {
      const joined = this.#source.merge(entry.key, value);
      if (joined !== value) void this.#push(entry.key, joined);
      this.#failing = undefined;
    } catch (error) {
      this.#fail(`merge of ${entry.key}`, error);
    }
  }

  /** Pushes every local record the bucket does not have yet, or has older. */
  async sync(): Promise<void> {
    let records: { key: string; value: string }[];
    try {
      records = this.#source.records();
    } catch (error) {
      this.#fail("reading the database", error);
      return;
    }
    for (const { key, value } of records) {
      const seen = this.#seen.get(key);
      if (seen?.value === value) continue;
      await this.#push(key, seen ? this.#source.merge(key, seen.value) : value);
    }
  }

  async #push(key: string, value: string): Promise<void> {
    const seen = this.#seen.get(key);
    if (seen?.value === value) return;
    try {
      // create refuses a key someone else wrote, update a revision that moved on: the watch brings that value, to be joined first.
      if (seen) await this.#kv.update(key, bytes.encode(value), seen.revision);
      else await this.#kv.create(key, bytes.encode(value));
    } catch (error) {
      if (!/wrong last sequence|key exists/i.test(String(error))) this.#fail(`push of ${key}`, error);
    }
  }

  #fail(what: string, error: unknown): void {
    const message = `network: accounts replication: ${what} failed: ${error instanceof Error ? error.message : String(error)}`;
    if (message !== this.#failing) this.#log(message);
    this.#failing = message;
  }

  close(): void {
    clearInterval(this.#timer);
    this.#watch?.stop();
  }
}
