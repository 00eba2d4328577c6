import { OutpostError } from "../contract/index.js";
import { guarded, type Database } from "./database.js";

export interface AccountInfo {
  id: string;
  createdAt: string;
  /** Neurons per UTC day; absent: the server's OUTPOST_DAILY_NEURONS. */
  dailyNeurons?: number;
  /** Requests per minute by task or model id, over the default table. */
  rateLimits: Record<string, number>;
}

export const ACCOUNT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function listAccounts(db: Database): AccountInfo[] {
  const rows = guarded(db, () => db.prepare<[], { id: string; created_at: string; daily_neurons: number | null; rate_limits: string }>("SELECT * FROM accounts ORDER BY id").all());
  return rows.map((row) => ({ id: row.id, createdAt: row.created_at, ...(row.daily_neurons === null ? {} : { dailyNeurons: row.daily_neurons }), rateLimits: JSON.parse(row.rate_limits) as Record<string, number> }));
}

/**
 * Sets an account's own limits, creating the account if needed. `rateLimits` entries merge
 * into the existing ones (a value of 0 removes one); `dailyNeurons: null` goes back to the server's default.
 */
export function setAccountLimits(db: Database, id: string, change: { rateLimits?: Record<string, number>; dailyNeurons?: number | null }): AccountInfo {
  if (!ACCOUNT_PATTERN.test(id)) throw new OutpostError("INPUT_INVALID", `Invalid account id '${id.slice(0, 80)}': letters, digits, '-' and '_', at most 64`);
  guarded(db, () =>
    db.transaction(() => {
      db.prepare("INSERT OR IGNORE INTO accounts (id, created_at) VALUES (?, ?)").run(id, new Date().toISOString());
      const row = db.prepare<[string], { rate_limits: string }>("SELECT rate_limits FROM accounts WHERE id = ?").get(id);
      const limits = { ...(JSON.parse(row?.rate_limits ?? "{}") as Record<string, number>), ...change.rateLimits };
      for (const [key, value] of Object.entries(limits)) if (value === 0) delete limits[key];
      db.prepare("UPDATE accounts SET rate_limits = ?, updated_at = ? WHERE id = ?").run(JSON.stringify(limits), new Date().toISOString(), id);
      if (change.dailyNeurons !== undefined) db.prepare("UPDATE accounts SET daily_neurons = ? WHERE id = ?").run(change.dailyNeurons, id);
    })(),
  );
  return listAccounts(db).find((account) => account.id === id)!;
}
