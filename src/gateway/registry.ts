import { guarded, statement, type Database, type DatabaseHandle } from "../accounts/index.js";
import { OutpostError } from "../contract/index.js";
import { DEFAULT_GATEWAY, REGISTRY_FRESH_MS } from "./constants.js";
import { gatewaySettingsSchema, parseGatewaySettings, type Gateway } from "./settings.js";

/** A row of the accounts database's `gateways` table (deleted ones are tombstones). */
export interface GatewayRow {
  id: string;
  settings: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

/** A gateway as listed: where it is defined, and its settings. */
export type GatewayInfo = Gateway & { source: "database" | "outpost.json" | "built-in"; createdAt?: string; updatedAt?: string };

/** Workers AI's words for a gateway that does not exist, then what to do about it here. */
export function gatewayNotFound(id: string): OutpostError {
  return new OutpostError("GATEWAY_NOT_FOUND", `Please configure AI Gateway in the Cloudflare dashboard: no gateway '${id}' here (outpost gateways create ${id})`);
}

const { id: _id, ...DEFAULT_SETTINGS } = parseGatewaySettings(DEFAULT_GATEWAY, {});

const settingsText = (gateway: Gateway) => {
  const { id: _, ...settings } = gateway;
  return JSON.stringify(settings);
};

/** Saves a gateway in the database; `replace` false refuses an id that exists. */
export function saveGateway(db: Database, gateway: Gateway, replace: boolean, now = new Date()): GatewayInfo {
  return guarded(db, () =>
    db.transaction(() => {
      const row = statement<[string], GatewayRow>(db, "SELECT * FROM gateways WHERE id = ?").get(gateway.id);
      if (row && row.deleted_at === null && !replace) throw new OutpostError("INPUT_INVALID", `Gateway ${gateway.id} exists: remove it first, or pass --replace`);
      const at = now.toISOString();
      const createdAt = row && row.deleted_at === null ? row.created_at : at;
      statement(db, "INSERT INTO gateways (id, settings, created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, NULL) ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, created_at = excluded.created_at, updated_at = excluded.updated_at, deleted_at = NULL").run(
        gateway.id, settingsText(gateway), createdAt, at,
      );
      return { ...gateway, source: "database" as const, createdAt, updatedAt: at };
    })(),
  );
}

/** Marks a gateway removed (kept as a tombstone for network mode); false when there was none. */
export function removeGateway(db: Database, id: string, now = new Date()): boolean {
  return guarded(db, () => statement(db, "UPDATE gateways SET deleted_at = ?, updated_at = ? WHERE id = ? AND deleted_at IS NULL").run(now.toISOString(), now.toISOString(), id).changes > 0);
}

/**
 * Every gateway a request may name: those in the database (`outpost gateways create`, which a
 * running server sees within a second), those in outpost.json, and `default`, which always exists with
 * default settings, as Cloudflare creates it on first use. The database wins over the file for
 * the same id, and either over the built-in default.
 */
export class GatewayRegistry {
  readonly #handle: DatabaseHandle | undefined;
  readonly #file: ReadonlyMap<string, Gateway>;
  /** Parsed settings by their text: a request does not parse JSON it has parsed before. */
  readonly #parsed = new Map<string, Gateway>();

  /** What `get` last found per id (undefined: none), and when: a request costs no query within REGISTRY_FRESH_MS. */
  readonly #fresh = new Map<string, { gateway: Gateway | undefined; at: number }>();
  readonly #now: () => number;

  constructor(handle: DatabaseHandle | undefined, file: ReadonlyMap<string, Gateway> = new Map(), now: () => number = Date.now) {
    this.#handle = handle;
    this.#file = file;
    this.#now = now;
  }

  /** The gateway named `id`, or GATEWAY_NOT_FOUND; a change in the database is seen within REGISTRY_FRESH_MS. */
  get(id: string): Gateway {
    const now = this.#now();
    const known = this.#fresh.get(id);
    if (known && now - known.at < REGISTRY_FRESH_MS) {
      if (!known.gateway) throw gatewayNotFound(id);
      return known.gateway;
    }
    let gateway: Gateway | undefined;
    try {
      gateway = this.#read(id);
    } finally {
      if (this.#fresh.size > 1_000) this.#fresh.clear();
      this.#fresh.set(id, { gateway, at: now });
    }
    if (!gateway) throw gatewayNotFound(id);
    return gateway;
  }

  #read(id: string): Gateway | undefined {
    const row = this.#row(id);
    if (row) return row.deleted_at === null ? this.#parse(id, row.settings) : undefined;
    return this.#file.get(id) ?? (id === DEFAULT_GATEWAY ? { id, ...DEFAULT_SETTINGS } : undefined);
  }

  list(): GatewayInfo[] {
    const rows = this.#handle ? guarded(this.#handle.db, () => statement<[], GatewayRow>(this.#handle!.db, "SELECT * FROM gateways ORDER BY id").all()) : [];
    const byId = new Map<string, GatewayInfo>([[DEFAULT_GATEWAY, { id: DEFAULT_GATEWAY, ...DEFAULT_SETTINGS, source: "built-in" }]]);
    for (const gateway of this.#file.values()) byId.set(gateway.id, { ...gateway, source: "outpost.json" });
    for (const row of rows) {
      if (row.deleted_at !== null) byId.delete(row.id);
      else byId.set(row.id, { ...this.#parse(row.id, row.settings), source: "database", createdAt: row.created_at, updatedAt: row.updated_at });
    }
    return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  #row(id: string): GatewayRow | undefined {
    if (!this.#handle) return undefined;
    const db = this.#handle.db;
    return guarded(db, () => statement<[string], GatewayRow>(db, "SELECT * FROM gateways WHERE id = ?").get(id));
  }

  #parse(id: string, text: string): Gateway {
    const memo = `${id}\0${text}`;
    let gateway = this.#parsed.get(memo);
    if (!gateway) {
      // Settings written by a newer Outpost may carry fields this one does not know: they are dropped, not refused.
      const known = Object.fromEntries(Object.entries(JSON.parse(text) as Record<string, unknown>).filter(([key]) => key in gatewaySettingsSchema.shape));
      gateway = parseGatewaySettings(id, known);
      if (this.#parsed.size > 1_000) this.#parsed.clear();
      this.#parsed.set(memo, gateway);
    }
    return gateway;
  }
}
