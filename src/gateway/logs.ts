import { randomBytes } from "node:crypto";
import { guarded, statement, type DatabaseHandle } from "../accounts/index.js";
import type { AiGatewayPatchLog } from "../binding/index.js";
import { LOG_FLUSH_MS, LOG_PRUNE_MS, MAX_LOGGED_CHARS, MAX_PENDING_LOGS } from "./constants.js";
import type { Gateway } from "./settings.js";

/** A model tried before the one that served (or before the request failed), and why it was left. */
export interface Attempt {
  model: string;
  code: string;
  message: string;
}

/** One gateway request, as `GET /api/gateways/{id}/logs` lists it. */
export interface GatewayLogEntry {
  /** Also the response's `cf-aig-log-id`. Sorts by the request's start. */
  id: string;
  gateway: string;
  /** When the request ended, ISO 8601. */
  at: string;
  account: string;
  /** The model asked for, and the one that served (a fallback, or the same). */
  model: string;
  servedModel: string;
  status: number;
  cacheStatus: "HIT" | "MISS";
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  neurons: number;
  attempts: Attempt[];
  metadata: Record<string, string | number | boolean>;
  eventId?: string;
  /** Absent when the gateway redacts them. */
  inputs?: unknown;
  output?: unknown;
  error?: string;
  /** Set afterwards by the binding's `gateway(id).patchLog`: -1 or 1, and 0 to 100. */
  feedback?: -1 | 1;
  score?: number;
}

export interface LogQuery {
  gateway: string;
  account?: string;
  model?: string;
  success?: boolean;
  cached?: boolean;
  eventId?: string;
  /** ISO 8601 bounds on `at` (from inclusive, to exclusive). */
  from?: string;
  to?: string;
  direction: "asc" | "desc";
  page: number;
  perPage: number;
}

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Random bytes drawn a page at a time: one crypto call per 256 log ids, not one each. */
let pool = Buffer.alloc(0);
let poolAt = 0;

/** A ULID, as AI Gateway's log ids are: 48 bits of ms time, 80 random bits, so ids sort by time. */
export function newLogId(now = Date.now()): string {
  let time = "";
  for (let t = now, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = CROCKFORD[t % 32]! + time;
  if (poolAt + 16 > pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  let tail = "";
  for (let i = 0; i < 16; i++) tail += CROCKFORD[pool[poolAt++]! % 32];
  return time + tail;
}

/** JSON of logged data, binary inputs shown by their size, cut to MAX_LOGGED_CHARS. */
function logged(value: unknown): string | null {
  if (value === undefined) return null;
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? `<${v.byteLength} bytes>` : v instanceof ArrayBuffer ? `<${v.byteLength} bytes>` : v));
  return text.length > MAX_LOGGED_CHARS ? JSON.stringify({ truncated: true, text: text.slice(0, MAX_LOGGED_CHARS) }) : text;
}

interface LogRow {
  id: string;
  gateway: string;
  at: string;
  account: string;
  model: string;
  served_model: string;
  status: number;
  cache_status: "HIT" | "MISS";
  latency_ms: number;
  input_tokens: number;
  output_tokens: number;
  neurons: number;
  attempts: string;
  metadata: string;
  event_id: string | null;
  inputs: string | null;
  output: string | null;
  error: string | null;
  feedback: -1 | 1 | null;
  score: number | null;
}

const entryOf = (row: LogRow): GatewayLogEntry => ({
  id: row.id,
  gateway: row.gateway,
  at: row.at,
  account: row.account,
  model: row.model,
  servedModel: row.served_model,
  status: row.status,
  cacheStatus: row.cache_status,
  latencyMs: row.latency_ms,
  inputTokens: row.input_tokens,
  outputTokens: row.output_tokens,
  neurons: row.neurons,
  attempts: JSON.parse(row.attempts) as Attempt[],
  metadata: JSON.parse(row.metadata) as GatewayLogEntry["metadata"],
  ...(row.event_id === null ? {} : { eventId: row.event_id }),
  ...(row.inputs === null ? {} : { inputs: JSON.parse(row.inputs) as unknown }),
  ...(row.output === null ? {} : { output: JSON.parse(row.output) as unknown }),
  ...(row.error === null ? {} : { error: row.error }),
  ...(row.feedback === null ? {} : { feedback: row.feedback }),
  ...(row.score === null ? {} : { score: row.score }),
});

const INSERT = `INSERT OR IGNORE INTO gateway_logs (id, gateway, at, account, model, served_model, status, cache_status, latency_ms, input_tokens, output_tokens, neurons, attempts, metadata, event_id, inputs, output, error)
  VALUES (@id, @gateway, @at, @account, @model, @servedModel, @status, @cacheStatus, @latencyMs, @inputTokens, @outputTokens, @neurons, @attempts, @metadata, @eventId, @inputs, @output, @error)`;

/**
 * Gateway request logs in the database. Entries are queued and written together every
 * LOG_FLUSH_MS, so a request never waits for SQLite; while the database refuses writes they
 * wait (up to MAX_PENDING_LOGS, then the oldest are dropped, said once in the server's log).
 */
export class GatewayLogs {
  readonly #handle: DatabaseHandle;
  readonly #log: (line: string) => void;
  readonly #pending: GatewayLogEntry[] = [];
  readonly #retention = new Map<string, Pick<Gateway, "logRetentionDays" | "maxLogs">>();
  #timer: NodeJS.Timeout | undefined;
  readonly #pruner: NodeJS.Timeout;
  #failing = false;
  dropped = 0;

  constructor(handle: DatabaseHandle, log: (line: string) => void) {
    this.#handle = handle;
    this.#log = log;
    this.#pruner = setInterval(() => this.prune(), LOG_PRUNE_MS);
    this.#pruner.unref();
  }

  /** Queues an entry, with inputs and output left out as the gateway's `redact` says. */
  add(entry: GatewayLogEntry, gateway: Gateway): void {
    const redacted = { ...entry };
    if (gateway.redact === "inputs" || gateway.redact === "all") delete redacted.inputs;
    if (gateway.redact === "outputs" || gateway.redact === "all") delete redacted.output;
    this.#retention.set(gateway.id, gateway);
    this.#pending.push(redacted);
    if (this.#pending.length >= MAX_PENDING_LOGS) {
      // Faster than the timer: written now. While the database refuses them, the oldest go.
      if (!this.#failing) this.flush();
      else {
        this.#pending.splice(0, this.#pending.length - MAX_PENDING_LOGS);
        if (this.dropped++ === 0) this.#log(`gateway: the database refuses log entries; past ${MAX_PENDING_LOGS} waiting, the oldest are dropped`);
      }
    }
    if (!this.#timer && this.#pending.length > 0) {
      this.#timer = setTimeout(() => this.flush(), LOG_FLUSH_MS);
      this.#timer.unref();
    }
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const db = this.#handle.db;
    try {
      guarded(db, () =>
        db.transaction(() => {
          for (const entry of this.#pending) {
            statement(db, INSERT).run({
              ...entry,
              eventId: entry.eventId ?? null,
              attempts: JSON.stringify(entry.attempts),
              metadata: JSON.stringify(entry.metadata),
              inputs: logged(entry.inputs),
              output: logged(entry.output),
              error: entry.error ?? null,
            });
          }
        })(),
      );
      this.#pending.length = 0;
      if (this.#failing) this.#log("gateway: log entries are written to the database again");
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) this.#log(`gateway: log entries not written yet (${(error as Error).message}); retrying`);
      this.#failing = true;
      this.#timer = setTimeout(() => this.flush(), LOG_FLUSH_MS * 10);
      this.#timer.unref();
    }
  }

  /** Drops entries older than each gateway's retention, and past its newest `maxLogs`. */
  prune(now = Date.now()): void {
    const db = this.#handle.db;
    try {
      guarded(db, () => {
        for (const [id, { logRetentionDays, maxLogs }] of this.#retention) {
          statement(db, "DELETE FROM gateway_logs WHERE gateway = ? AND at < ?").run(id, new Date(now - logRetentionDays * 86_400_000).toISOString());
          statement(db, "DELETE FROM gateway_logs WHERE gateway = ? AND id NOT IN (SELECT id FROM gateway_logs WHERE gateway = ? ORDER BY at DESC, rowid DESC LIMIT ?)").run(id, id, maxLogs);
        }
      });
    } catch (error) {
      this.#log(`gateway: old log entries not pruned (${(error as Error).message})`);
    }
  }

  /** One page of a gateway's entries, and how many match; entries still queued are written first. */
  query(query: LogQuery): { entries: GatewayLogEntry[]; total: number } {
    this.flush();
    const where = ["gateway = @gateway"];
    if (query.account !== undefined) where.push("account = @account");
    if (query.model !== undefined) where.push("(model = @model OR served_model = @model)");
    if (query.success !== undefined) where.push(query.success ? "status < 400" : "status >= 400");
    if (query.cached !== undefined) where.push(query.cached ? "cache_status = 'HIT'" : "cache_status <> 'HIT'");
    if (query.eventId !== undefined) where.push("event_id = @eventId");
    if (query.from !== undefined) where.push("at >= @from");
    if (query.to !== undefined) where.push("at < @to");
    const db = this.#handle.db;
    const params = { ...query, success: undefined, cached: undefined, direction: undefined, limit: query.perPage, offset: (query.page - 1) * query.perPage };
    const filter = where.join(" AND ");
    return guarded(db, () => ({
      entries: statement<[typeof params], LogRow>(db, `SELECT * FROM gateway_logs WHERE ${filter} ORDER BY at ${query.direction === "asc" ? "ASC" : "DESC"}, rowid ${query.direction === "asc" ? "ASC" : "DESC"} LIMIT @limit OFFSET @offset`).all(params).map(entryOf),
      total: (statement<[typeof params], { n: number }>(db, `SELECT count(*) AS n FROM gateway_logs WHERE ${filter}`).get(params) ?? { n: 0 }).n,
    }));
  }

  /** One entry of a gateway by its id (the response's `cf-aig-log-id`); entries still queued are written first. */
  get(gateway: string, id: string): GatewayLogEntry | undefined {
    this.flush();
    const db = this.#handle.db;
    const row = guarded(db, () => statement<[string, string], LogRow>(db, "SELECT * FROM gateway_logs WHERE gateway = ? AND id = ?").get(gateway, id));
    return row && entryOf(row);
  }

  /** Sets an entry's feedback, score or metadata (the fields `patch` names); false when there is no such entry. */
  patch(gateway: string, id: string, patch: AiGatewayPatchLog): boolean {
    this.flush();
    const values: Record<string, unknown> = { feedback: patch.feedback, score: patch.score, metadata: patch.metadata === undefined ? undefined : JSON.stringify(patch.metadata ?? {}) };
    const sets = Object.keys(values).filter((column) => values[column] !== undefined).map((column) => `${column} = @${column}`);
    const params = { gateway, id, ...values };
    const db = this.#handle.db;
    const where = "WHERE gateway = @gateway AND id = @id";
    return guarded(db, () => (sets.length === 0 ? statement(db, `SELECT 1 FROM gateway_logs ${where}`).get(params) !== undefined : statement(db, `UPDATE gateway_logs SET ${sets.join(", ")} ${where}`).run(params).changes > 0));
  }

  close(): void {
    clearInterval(this.#pruner);
    this.flush();
  }
}
