import { Counter, Gauge, type Registry } from "prom-client";
import { ERRORS, type ErrorCode, type RequestRecord } from "../contract/index.js";
import { databaseError, guarded, statement, type Database } from "./database.js";
import type { DatabaseHandle } from "./watched-database.js";
import { neuronsFor, type NeuronRate } from "./neurons.js";
import { filters } from "./filters.js";
import { queryLatency, type LatencyQuery, type LatencyRow } from "./latency.js";

/** How the usage table is grouped for `GET /api/usage` and `outpost usage`. */
export const USAGE_GROUPS = ["model", "hour", "day", "account"] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export interface UsageQuery {
  account?: string;
  model?: string;
  /** ISO 8601 bounds on the hour (from inclusive, to exclusive). */
  from?: string;
  to?: string;
  by: UsageGroup;
  page: number;
  perPage: number;
}

export interface UsageRow {
  /** The group's value: a model id, an hour or day (ISO 8601), or an account id. */
  key: string;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  neurons: number;
}

export interface RequestQuery {
  account?: string;
  model?: string;
  from?: string;
  to?: string;
  limit: number;
}

/** Rows held in memory while the database refuses writes; past it the oldest are dropped, loudly. */
const MAX_PENDING = 100_000;
/**
 * How long a finished request's row waits to be written with the others of its moment, in ms:
 * one transaction per batch instead of one per request (at concurrency 1, about 0.1 ms of server
 * CPU each). A clean stop writes them; a server killed outright loses at most this much usage.
 */
const BATCH_MS = 250;
/** How often held rows are retried and old log rows pruned, in ms. */
const RETRY_MS = 2_000;
const PRUNE_MS = 3_600_000;

const UPSERT_USAGE = `INSERT INTO usage (account, model, hour, requests, errors, input_tokens, output_tokens, neurons) VALUES (@account, @model, @hour, 1, @errors, @input, @output, @neurons)
  ON CONFLICT (account, model, hour) DO UPDATE SET requests = requests + 1, errors = errors + excluded.errors,
    input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens, neurons = neurons + excluded.neurons`;
const INSERT_REQUEST = `INSERT INTO requests (at, account, token_id, model, task, status, latency_ms, ttft_ms, input_tokens, output_tokens, neurons, city, attributes)
  VALUES (@at, @account, @tokenId, @model, @task, @status, @latencyMs, @ttftMs, @input, @output, @neurons, @city, @attributes)`;

const hourOf = (at: string) => `${at.slice(0, 13)}:00:00.000Z`;
const GROUP_SQL: Record<UsageGroup, string> = { model: "model", hour: "hour", day: "substr(hour, 1, 10)", account: "account" };

export interface UsageLogOptions {
  /** The published rate of a model, if any (catalog `neurons`). */
  rateOf: (model: string) => NeuronRate | undefined;
  /** Days the request log keeps rows; usage totals are kept for good. */
  retentionDays: number;
  /** Where failures and recoveries are reported (the server's log). */
  log?: (line: string) => void;
  /** Registers outpost_neurons_total and outpost_usage_pending_rows here. */
  registry?: Registry;
  clock?: () => number;
}

/**
 * Usage in neurons per account, model and hour, and the request log, in the database. Finished
 * requests are written in batches, BATCH_MS apart at most (reads write what waits first); while
 * the database refuses writes (locked, disk full) rows wait in memory and are retried, so no
 * completed request goes unmetered.
 */
export class UsageLog {
  readonly #handle: DatabaseHandle;
  readonly #options: UsageLogOptions;
  readonly #clock: () => number;
  /** Rows not yet written; `metered: false` for refusals, which go into the request log only. */
  readonly #pending: { record: RequestRecord; metered: boolean }[] = [];
  readonly #today = new Map<string, { day: string; neurons: number }>();
  readonly #neurons: Counter<"account" | "model"> | undefined;
  readonly #timers: NodeJS.Timeout[];
  /** The batch's write, while rows wait for it. */
  #batch: NodeJS.Timeout | undefined;
  #failing: string | undefined;
  #dropped = 0;

  constructor(handle: DatabaseHandle, options: UsageLogOptions) {
    this.#handle = handle;
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    if (options.registry) {
      this.#neurons = new Counter({ name: "outpost_neurons_total", help: "Neurons used, by account and model (Workers AI's billing unit).", labelNames: ["account", "model"], registers: [options.registry] });
      const pending = () => this.#pending.length;
      new Gauge({ name: "outpost_usage_pending_rows", help: "Finished requests not yet written to the database (it refuses writes).", registers: [options.registry], collect() { this.set(pending()); } });
    }
    this.#timers = [setInterval(() => this.flush(), RETRY_MS), setInterval(() => this.prune(), PRUNE_MS)];
    for (const timer of this.#timers) timer.unref();
    this.prune();
  }

  /** Meters a finished request: its neurons are set on the record, which is then written. */
  record(record: RequestRecord): void {
    const account = record.account ?? "local";
    const neurons = neuronsFor(record, this.#options.rateOf(record.model));
    record.neurons = neurons;
    this.#neurons?.inc({ account, model: record.model }, neurons);
    const today = this.#todayOf(account, false);
    if (today) today.neurons += neurons;
    this.#hold({ record: { ...record, account }, metered: true });
  }

  /**
   * Logs a request refused before it ran (401, 403, 429 at admission): in the request log, not
   * in the usage totals, which count what ran. Its account is the token's, if one was known.
   */
  refused(record: RequestRecord): void {
    this.#hold({ record: { ...record, neurons: 0 }, metered: false });
  }

  #hold(entry: { record: RequestRecord; metered: boolean }): void {
    this.#pending.push(entry);
    if (this.#pending.length > MAX_PENDING) {
      this.#pending.shift();
      this.#dropped += 1;
    }
    if (this.#batch) return;
    this.#batch = setTimeout(() => this.flush(), BATCH_MS);
    this.#batch.unref();
  }

  /** Writes every held row; false (and the rows kept) when the database refuses. */
  flush(): boolean {
    clearTimeout(this.#batch);
    this.#batch = undefined;
    if (this.#pending.length === 0) return true;
    const rows = this.#pending.length;
    const db = this.#handle.db;
    try {
      const upsert = statement(db, UPSERT_USAGE);
      const insert = statement(db, INSERT_REQUEST);
      db.transaction(() => {
        for (const { record: r, metered } of this.#pending) {
          const values = { account: r.account, model: r.model, input: r.promptTokens ?? 0, output: r.completionTokens ?? 0, neurons: r.neurons ?? 0 };
          if (metered) upsert.run({ ...values, hour: hourOf(r.at), errors: r.status === 200 ? 0 : 1 });
          const attributes = JSON.stringify({ servedModel: r.servedModel, error: r.error, code: r.code });
          insert.run({ ...values, at: r.at, tokenId: r.tokenId ?? null, task: r.task, status: r.status, latencyMs: r.latencyMs, ttftMs: r.ttftMs ?? null, city: r.city ?? null, attributes });
        }
      })();
    } catch (error) {
      const message = databaseError(db.name, error).message;
      if (this.#failing !== message) this.#options.log?.(`Usage not written, held in memory and retried every ${RETRY_MS / 1000} s (${rows} rows): ${message}`);
      this.#failing = message;
      return false;
    }
    this.#pending.length = 0;
    if (this.#failing !== undefined) {
      const lost = this.#dropped > 0 ? `; ${this.#dropped} rows beyond the ${MAX_PENDING} held were dropped` : "";
      this.#options.log?.(`Usage written again: ${rows} held rows are in the database${lost}`);
      this.#failing = undefined;
      this.#dropped = 0;
    }
    return true;
  }

  /** Rows waiting for the database. */
  pending(): number {
    return this.#pending.length;
  }

  /** Neurons the account used since 00:00 UTC, written or held. */
  neuronsToday(account: string): number {
    return this.#todayOf(account, true)?.neurons ?? 0;
  }

  #todayOf(account: string, load: boolean): { day: string; neurons: number } | undefined {
    const day = new Date(this.#clock()).toISOString().slice(0, 10);
    const known = this.#today.get(account);
    if (known?.day === day) return known;
    if (!load) return undefined;
    const db = this.#handle.db;
    const stored = guarded(db, () => db.prepare<[string, string], { n: number | null }>("SELECT sum(neurons) AS n FROM usage WHERE account = ? AND hour >= ?").get(account, `${day}T00:00:00.000Z`));
    const held = this.#pending.filter(({ record: r }) => r.account === account && r.at.startsWith(day)).reduce((sum, { record: r }) => sum + (r.neurons ?? 0), 0);
    const entry = { day, neurons: (stored?.n ?? 0) + held };
    this.#today.set(account, entry);
    return entry;
  }

  usage(query: UsageQuery): { rows: UsageRow[]; total: number } {
    this.flush();
    return queryUsage(this.#handle.db, query);
  }

  requests(query: RequestQuery): RequestRecord[] {
    this.flush();
    return queryRequests(this.#handle.db, query);
  }

  latency(query: LatencyQuery): LatencyRow[] {
    this.flush();
    return queryLatency(this.#handle.db, query);
  }

  /** Deletes request-log rows older than the retention. */
  prune(): void {
    const cutoff = new Date(this.#clock() - this.#options.retentionDays * 86_400_000).toISOString();
    const db = this.#handle.db;
    try {
      db.prepare("DELETE FROM requests WHERE at < ?").run(cutoff);
    } catch (error) {
      this.#options.log?.(`Request log not pruned: ${databaseError(db.name, error).message}`);
    }
  }

  /** Stops the timers after a last attempt to write what is held. */
  close(): void {
    for (const timer of this.#timers) clearInterval(timer);
    if (!this.flush()) this.#options.log?.(`${this.#pending.length} usage rows could not be written before exit`);
  }

}

/** Usage totals grouped by `by`: largest first for models and accounts, in time order for hours and days. */
export function queryUsage(db: Database, query: UsageQuery): { rows: UsageRow[]; total: number } {
  // Usage is kept per hour: the hour `from` falls in counts whole. Compared as it came, `from=1h`
  // just after an hour began left out every request of the hour before, the last hour's traffic.
  const { where, params } = filters({ ...query, from: query.from && hourOf(query.from) }, "hour");
  const group = GROUP_SQL[query.by];
  const order = query.by === "hour" || query.by === "day" ? "key" : "neurons DESC, key";
  return guarded(db, () => {
    const total = db.prepare<unknown[], { n: number }>(`SELECT count(DISTINCT ${group}) AS n FROM usage ${where}`).get(...params)?.n ?? 0;
    const rows = db
      .prepare<unknown[], UsageRow>(
        `SELECT ${group} AS key, sum(requests) AS requests, sum(errors) AS errors, sum(input_tokens) AS inputTokens, sum(output_tokens) AS outputTokens, sum(neurons) AS neurons
         FROM usage ${where} GROUP BY key ORDER BY ${order} LIMIT ? OFFSET ?`,
      )
      .all(...params, query.perPage, (query.page - 1) * query.perPage);
    return { rows, total };
  });
}

/** The request log, newest first. */
export function queryRequests(db: Database, query: RequestQuery): RequestRecord[] {
  const { where, params } = filters(query, "at");
  return guarded(db, () => db.prepare<unknown[], Record<string, unknown>>(`SELECT * FROM requests ${where} ORDER BY at DESC, id DESC LIMIT ?`).all(...params, query.limit)).map(toRecord);
}

function toRecord(row: Record<string, unknown>): RequestRecord {
  const optional = (key: string, value: unknown) => (value === null || value === undefined ? {} : { [key]: value });
  const attributes = JSON.parse((row.attributes as string | null) ?? "{}") as { servedModel?: unknown; error?: unknown; code?: unknown };
  return {
    at: row.at as string,
    model: row.model as string,
    ...(typeof attributes.servedModel === "string" ? { servedModel: attributes.servedModel } : {}),
    ...(typeof attributes.error === "string" ? { error: attributes.error } : {}),
    ...(typeof attributes.code === "string" && attributes.code in ERRORS ? { code: attributes.code as ErrorCode } : {}),
    task: row.task as string,
    status: row.status as number,
    latencyMs: row.latency_ms as number,
    ...optional("ttftMs", row.ttft_ms),
    completionTokens: row.output_tokens as number,
    promptTokens: row.input_tokens as number,
    ...optional("city", row.city),
    account: row.account as string,
    ...optional("tokenId", row.token_id),
    neurons: row.neurons as number,
  };
}
