import type { ReplicaSource } from "../contract/index.js";
import { guarded, statement } from "./database.js";
import type { DatabaseHandle } from "./watched-database.js";

interface TokenRecord {
  id: string;
  /** sha256 of the secret, hex; the secret never leaves the node that printed it. */
  hash: string;
  account: string;
  scope: string;
  models: string[];
  name: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

interface AccountRecord {
  id: string;
  createdAt: string;
  /** Null until the account's limits are first set: any set value wins over it. */
  updatedAt: string | null;
  dailyNeurons: number | null;
  rateLimits: Record<string, number>;
}

interface TokenRow {
  id: string;
  hash: string;
  account: string;
  scope: string;
  models: string;
  name: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

interface AccountRow {
  id: string;
  created_at: string;
  updated_at: string | null;
  daily_neurons: number | null;
  rate_limits: string;
}

const sorted = (limits: Record<string, number>) => Object.fromEntries(Object.entries(limits).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

// Fixed field order: equal records are equal strings, which is how nodes tell that they agree.
const tokenValue = (t: TokenRecord) =>
  JSON.stringify({ id: t.id, hash: t.hash, account: t.account, scope: t.scope, models: t.models, name: t.name, createdAt: t.createdAt, expiresAt: t.expiresAt, revokedAt: t.revokedAt });
const accountValue = (a: AccountRecord) => JSON.stringify({ id: a.id, createdAt: a.createdAt, updatedAt: a.updatedAt, dailyNeurons: a.dailyNeurons, rateLimits: sorted(a.rateLimits) });

const tokenOf = (row: TokenRow): TokenRecord => ({
  id: row.id,
  hash: row.hash,
  account: row.account,
  scope: row.scope,
  models: JSON.parse(row.models) as string[],
  name: row.name,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
});
const accountOf = (row: AccountRow): AccountRecord => ({ id: row.id, createdAt: row.created_at, updatedAt: row.updated_at, dailyNeurons: row.daily_neurons, rateLimits: JSON.parse(row.rate_limits) as Record<string, number> });

/** The earlier of two optional instants (ISO 8601 sorts as text). */
const earliest = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a < b ? a : b);

/**
 * A token's fields never change after creation, but revocation: the join keeps the earliest
 * revocation, so a token revoked anywhere is revoked everywhere and never comes back.
 */
function joinToken(local: TokenRecord, remote: TokenRecord): TokenRecord {
  return { ...local, revokedAt: earliest(local.revokedAt, remote.revokedAt) };
}

/** Accounts: the latest change of limits wins; equal times are settled by the value, so both sides pick the same. */
function joinAccount(local: AccountRecord, remote: AccountRecord): AccountRecord {
  const rank = (a: AccountRecord) => `${a.updatedAt ?? ""}\n${accountValue(a)}`;
  const winner = rank(remote) > rank(local) ? remote : local;
  return { ...winner, createdAt: earliest(local.createdAt, remote.createdAt) ?? winner.createdAt };
}

/** This node's accounts and tokens as network mode replicates them (src/network/accounts-replica.ts). */
export class ReplicatedAccounts implements ReplicaSource {
  readonly #handle: DatabaseHandle;

  constructor(handle: DatabaseHandle) {
    this.#handle = handle;
  }

  records(): { key: string; value: string }[] {
    const db = this.#handle.db;
    return guarded(db, () => [
      ...statement<[], AccountRow>(db, "SELECT * FROM accounts").all().map((row) => ({ key: `account.${row.id}`, value: accountValue(accountOf(row)) })),
      ...statement<[], TokenRow>(db, "SELECT * FROM tokens").all().map((row) => ({ key: `token.${row.id}`, value: tokenValue(tokenOf(row)) })),
    ]);
  }

  merge(key: string, value: string): string {
    const db = this.#handle.db;
    const remote = JSON.parse(value) as TokenRecord & AccountRecord;
    return guarded(db, () =>
      db.transaction(() => {
        if (key.startsWith("token.")) {
          const row = statement<[string], TokenRow>(db, "SELECT * FROM tokens WHERE id = ?").get(remote.id);
          if (!row) {
            statement(db, "INSERT OR IGNORE INTO accounts (id, created_at) VALUES (?, ?)").run(remote.account, remote.createdAt);
            statement(db, "INSERT INTO tokens (id, hash, account, scope, models, name, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)").run(
              remote.id, remote.hash, remote.account, remote.scope, JSON.stringify(remote.models), remote.name, remote.createdAt, remote.expiresAt, remote.revokedAt,
            );
            return tokenValue(remote);
          }
          const joined = joinToken(tokenOf(row), remote);
          if (joined.revokedAt !== row.revoked_at) statement(db, "UPDATE tokens SET revoked_at = ? WHERE id = ?").run(joined.revokedAt, joined.id);
          return tokenValue(joined);
        }
        if (key.startsWith("account.")) {
          const row = statement<[string], AccountRow>(db, "SELECT * FROM accounts WHERE id = ?").get(remote.id);
          const joined = row ? joinAccount(accountOf(row), remote) : remote;
          if (row && accountValue(joined) === accountValue(accountOf(row))) return accountValue(joined);
          statement(db, "INSERT INTO accounts (id, created_at, updated_at, daily_neurons, rate_limits) VALUES (@id, @createdAt, @updatedAt, @dailyNeurons, @rateLimits) ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, updated_at = excluded.updated_at, daily_neurons = excluded.daily_neurons, rate_limits = excluded.rate_limits").run({
            ...joined,
            rateLimits: JSON.stringify(joined.rateLimits),
          });
          return accountValue(joined);
        }
        // A kind of record a newer Outpost replicates: left as it is.
        return value;
      })(),
    );
  }
}
