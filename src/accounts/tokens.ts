import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { OutpostError, SCOPES, type Authenticator, type CreateToken, type Principal, type Scope, type TokenAdmin, type TokenInfo } from "../contract/index.js";
import { ACCOUNT_PATTERN } from "./accounts.js";
import { guarded, statement, type Database } from "./database.js";
import type { DatabaseHandle } from "./watched-database.js";

/** Every token starts so: secret scanners and people recognise it, and the query-string guard looks for it. */
export const TOKEN_PREFIX = "opk_";
/** 32 random bytes, base64url: 256 bits, beyond guessing. */
const TOKEN_PATTERN = /^opk_[A-Za-z0-9_-]{43}$/;

interface TokenRow {
  id: string;
  hash: string;
  account: string;
  scope: Scope;
  models: string;
  name: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

/**
 * How long enabled() keeps a "tokens exist" answer, in ms: it is asked on every request, and
 * the query cost a refused request a third of its CPU. Only that answer is kept, so the cache
 * can fail only closed: a server with no tokens asks every time, and a first token made by
 * another process (the CLI) or replicated from another city turns authentication on at once;
 * a last one revoked elsewhere turns it off within this. This store's own changes count at once.
 */
const ENABLED_CACHE_MS = 1_000;

const hashOf = (secret: string) => createHash("sha256").update(secret).digest();

/** `30d`, `12h`, `90m` → ms; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)([dhm])$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[match[2] as "d" | "h" | "m"];
  const ms = Number(match[1]) * unit;
  return ms > 0 ? ms : undefined;
}

/**
 * API tokens in the database: only the sha256 of each secret is stored, so a copy of the file
 * lets nobody in. Lookups go by hash, so the time a check takes does not depend on how much
 * of a guess is right.
 */
export class TokenStore implements Authenticator, TokenAdmin {
  readonly #handle: DatabaseHandle;
  readonly #clock: () => number;
  /** When enabled() last found tokens, in the database it asked, until `until` (clock ms). */
  #enabled: { db: Database; until: number } | undefined;

  constructor(handle: DatabaseHandle, clock: () => number = Date.now) {
    this.#handle = handle;
    this.#clock = clock;
  }

  /** Makes a token; the returned secret is shown once and never again. */
  create(request: CreateToken): { token: string; info: TokenInfo } {
    if (!ACCOUNT_PATTERN.test(request.account)) throw new OutpostError("INPUT_INVALID", `Invalid account id '${request.account.slice(0, 80)}': letters, digits, '-' and '_', at most 64`);
    if (!SCOPES.includes(request.scope)) throw new OutpostError("INPUT_INVALID", `Invalid scope '${String(request.scope)}': one of ${SCOPES.join(", ")}`);
    const now = new Date(this.#clock());
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
    const info: TokenInfo = {
      id: `tok_${randomBytes(6).toString("hex")}`,
      account: request.account,
      scope: request.scope,
      models: request.models ?? [],
      name: request.name ?? "",
      createdAt: now.toISOString(),
      ...(request.expiresInMs === undefined ? {} : { expiresAt: new Date(now.getTime() + request.expiresInMs).toISOString() }),
    };
    const db = this.#handle.db;
    guarded(db, () => db.transaction(() => {
      db.prepare("INSERT OR IGNORE INTO accounts (id, created_at) VALUES (?, ?)").run(info.account, info.createdAt);
      db
        .prepare("INSERT INTO tokens (id, hash, account, scope, models, name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .run(info.id, hashOf(token).toString("hex"), info.account, info.scope, JSON.stringify(info.models), info.name, info.createdAt, info.expiresAt ?? null);
    })());
    this.#enabled = undefined;
    return { token, info };
  }

  list(): TokenInfo[] {
    const db = this.#handle.db;
    return guarded(db, () => db.prepare<[], TokenRow>("SELECT * FROM tokens ORDER BY created_at, id").all()).map(toInfo);
  }

  /** Revokes a token by id; false when there is none (or it already was). */
  revoke(id: string): boolean {
    const db = this.#handle.db;
    const revoked = guarded(db, () => db.prepare("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(new Date(this.#clock()).toISOString(), id).changes === 1);
    if (revoked) this.#enabled = undefined;
    return revoked;
  }

  enabled(): boolean {
    const db = this.#handle.db;
    const now = this.#clock();
    // A replaced database file (WatchedDatabase) is asked again at once.
    if (this.#enabled?.db === db && now < this.#enabled.until) return true;
    const value = (guarded(db, () => statement<[], { n: number }>(db, "SELECT count(*) AS n FROM tokens WHERE revoked_at IS NULL").get())?.n ?? 0) > 0;
    this.#enabled = value ? { db, until: now + ENABLED_CACHE_MS } : undefined;
    return value;
  }

  verify(secret: string): Principal | undefined {
    if (!TOKEN_PATTERN.test(secret)) return undefined;
    const hash = hashOf(secret);
    const db = this.#handle.db;
    const row = guarded(db, () => statement<[string], TokenRow>(db, "SELECT * FROM tokens WHERE hash = ?").get(hash.toString("hex")));
    // The index found the row by hash; comparing the digests again costs the same for every row.
    if (!row || !timingSafeEqual(Buffer.from(row.hash, "hex"), hash)) return undefined;
    return this.#valid(row);
  }

  principal(tokenId: string): Principal | undefined {
    const db = this.#handle.db;
    const row = guarded(db, () => statement<[string], TokenRow>(db, "SELECT * FROM tokens WHERE id = ?").get(tokenId));
    return row ? this.#valid(row) : undefined;
  }

  #valid(row: TokenRow): Principal | undefined {
    if (row.revoked_at !== null) return undefined;
    if (row.expires_at !== null && Date.parse(row.expires_at) <= this.#clock()) return undefined;
    return { tokenId: row.id, account: row.account, scope: row.scope, models: JSON.parse(row.models) as string[] };
  }
}

function toInfo(row: TokenRow): TokenInfo {
  return {
    id: row.id,
    account: row.account,
    scope: row.scope,
    models: JSON.parse(row.models) as string[],
    name: row.name,
    createdAt: row.created_at,
    ...(row.expires_at === null ? {} : { expiresAt: row.expires_at }),
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
  };
}
