import { guarded, statement, type DatabaseHandle } from "../accounts/index.js";
import type { ReplicaSource } from "../contract/index.js";
import type { GatewayRow } from "./registry.js";

interface GatewayRecord {
  id: string;
  settings: string;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

const KEY_PREFIX = "gateway.";

// Fixed field order: equal records are equal strings, which is how nodes tell that they agree.
const valueOf = (r: GatewayRecord) => JSON.stringify({ id: r.id, settings: r.settings, createdAt: r.createdAt, updatedAt: r.updatedAt, deletedAt: r.deletedAt });
const recordOf = (row: GatewayRow): GatewayRecord => ({ id: row.id, settings: row.settings, createdAt: row.created_at, updatedAt: row.updated_at, deletedAt: row.deleted_at });

/**
 * This node's gateways (`outpost gateways create|rm`) as network mode replicates them, in the
 * accounts bucket beside tokens and accounts: the latest change wins (a removal is a change,
 * kept as a tombstone), equal times are settled by the value, so every node picks the same.
 */
export class ReplicatedGateways implements ReplicaSource {
  readonly #handle: DatabaseHandle;

  constructor(handle: DatabaseHandle) {
    this.#handle = handle;
  }

  /** Whether a key is one of these records (the rest of the bucket is the accounts'). */
  static owns(key: string): boolean {
    return key.startsWith(KEY_PREFIX);
  }

  records(): { key: string; value: string }[] {
    const db = this.#handle.db;
    return guarded(db, () => statement<[], GatewayRow>(db, "SELECT * FROM gateways").all().map((row) => ({ key: `${KEY_PREFIX}${row.id}`, value: valueOf(recordOf(row)) })));
  }

  merge(_key: string, value: string): string {
    const db = this.#handle.db;
    const remote = JSON.parse(value) as GatewayRecord;
    return guarded(db, () =>
      db.transaction(() => {
        const row = statement<[string], GatewayRow>(db, "SELECT * FROM gateways WHERE id = ?").get(remote.id);
        const local = row ? recordOf(row) : undefined;
        const rank = (r: GatewayRecord) => `${r.updatedAt}\n${valueOf(r)}`;
        if (local && rank(local) >= rank(remote)) return valueOf(local);
        statement(db, "INSERT INTO gateways (id, settings, created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, created_at = excluded.created_at, updated_at = excluded.updated_at, deleted_at = excluded.deleted_at").run(
          remote.id, remote.settings, remote.createdAt, remote.updatedAt, remote.deletedAt,
        );
        return valueOf(remote);
      })(),
    );
  }
}

/** The accounts' records and the gateways' as one source for the accounts bucket, each key to its owner. */
export function withGateways(accounts: ReplicaSource, gateways: ReplicatedGateways): ReplicaSource {
  return {
    records: () => [...accounts.records(), ...gateways.records()],
    merge: (key, value) => (ReplicatedGateways.owns(key) ? gateways.merge(key, value) : accounts.merge(key, value)),
  };
}
