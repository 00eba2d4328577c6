import { guarded, type Database } from "./database.js";
import { filters } from "./filters.js";

export interface LatencyQuery {
  account?: string;
  model?: string;
  /** ISO 8601 bounds on the request's time (from inclusive, to exclusive). */
  from?: string;
  to?: string;
}

/** Latency of one model's logged requests: nearest-rank percentiles, in ms. */
export interface LatencyRow {
  model: string;
  requests: number;
  /** Requests whose status was not 2xx (refusals included: the caller saw them). */
  errors: number;
  p50Ms: number;
  p99Ms: number;
}

/** The nearest-rank percentile of ascending values: an observed latency, never an interpolated one. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * p50/p99 latency per model from the request log, busiest model first. SQLite has no percentile
 * function, so the latencies come back sorted and are ranked here; the log's retention bounds them.
 */
export function queryLatency(db: Database, query: LatencyQuery): LatencyRow[] {
  const { where, params } = filters(query, "at");
  const rows = guarded(db, () =>
    db.prepare<string[], { model: string; status: number; latency: number }>(`SELECT model, status, latency_ms AS latency FROM requests ${where} ORDER BY model, latency_ms`).all(...params),
  );
  const byModel = new Map<string, { latencies: number[]; errors: number }>();
  for (const row of rows) {
    const entry = byModel.get(row.model) ?? { latencies: [], errors: 0 };
    entry.latencies.push(row.latency);
    if (row.status < 200 || row.status > 299) entry.errors += 1;
    byModel.set(row.model, entry);
  }
  return [...byModel]
    .map(([model, { latencies, errors }]) => ({ model, requests: latencies.length, errors, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) }))
    .sort((a, b) => b.requests - a.requests || a.model.localeCompare(b.model));
}
