import type { UsageRow } from "../api.js";

export const RANGES = {
  "24h": { label: "24 h", title: "the last 24 hours", by: "hour", count: 24 },
  "7d": { label: "7 d", title: "the last 7 days", by: "day", count: 7 },
  "30d": { label: "30 d", title: "the last 30 days", by: "day", count: 30 },
} as const;
export type RangeId = keyof typeof RANGES;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * The range's buckets, oldest first, keyed as `GET /api/usage` keys them: UTC hours
 * ("2026-12-01T10:00:00.000Z") or UTC days ("2026-12-01"), the current one last. Whole
 * buckets, so the first is as full as the others; `from` is where the first one starts.
 */
export function bucketsOf(range: RangeId, nowMs: number): { keys: string[]; from: string } {
  const { by, count } = RANGES[range];
  const size = by === "hour" ? HOUR_MS : DAY_MS;
  const last = Math.floor(nowMs / size) * size;
  const starts = Array.from({ length: count }, (_, i) => new Date(last - (count - 1 - i) * size).toISOString());
  return { keys: starts.map((iso) => (by === "hour" ? iso : iso.slice(0, 10))), from: starts[0]! };
}

/** How a bucket reads on an axis: "10:00" for an hour, "Dec 1" for a day (both UTC, as the server buckets them). */
export function bucketLabel(key: string): string {
  if (key.length > 10) return key.slice(11, 16);
  return new Date(`${key}T00:00:00Z`).toLocaleDateString("en", { month: "short", day: "numeric", timeZone: "UTC" });
}

export interface Series {
  name: string;
  values: number[];
}

export const OTHER = "other models";

/**
 * One series per top model, and "other models" for the rest of the total, over `keys` (buckets
 * with no row are zero). The rest is the total less the tops, so the stack adds up to the total.
 */
export function stackOf(keys: readonly string[], total: readonly UsageRow[], tops: ReadonlyMap<string, readonly UsageRow[]>, metric: "neurons" | "requests"): Series[] {
  const valuesOf = (rows: readonly UsageRow[]) => {
    const byKey = new Map(rows.map((r) => [r.key, r[metric]]));
    return keys.map((k) => byKey.get(k) ?? 0);
  };
  const series = [...tops].map(([name, rows]) => ({ name, values: valuesOf(rows) }));
  const rest = valuesOf(total).map((v, i) => v - series.reduce((sum, s) => sum + s.values[i]!, 0));
  // Neurons are fractional: a rest below rounding error is no traffic.
  if (rest.some((v) => v > 1e-9)) series.push({ name: OTHER, values: rest.map((v) => Math.max(0, v)) });
  return series;
}

/** Errors over requests as a percentage, 0 for no requests. */
export function errorShare(rows: readonly { requests: number; errors: number }[]): { requests: number; errors: number; percent: number } {
  const requests = rows.reduce((sum, r) => sum + r.requests, 0);
  const errors = rows.reduce((sum, r) => sum + r.errors, 0);
  return { requests, errors, percent: requests === 0 ? 0 : (100 * errors) / requests };
}
