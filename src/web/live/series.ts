import type { Sample } from "./prometheus.js";

/** One model's numbers in one scrape of /metrics. Counters are totals since the server started. */
export interface ModelSnapshot {
  queued: number;
  active: number;
  loaded: boolean;
  memoryBytes: number;
  ttftSumS: number;
  ttftCount: number;
  completionTokens: number;
}

export interface Snapshot {
  atMs: number;
  models: Record<string, ModelSnapshot>;
}

export type LiveMetric = "queued" | "active" | "ttftMs" | "tokensPerS";

/** A chart point; `value` null is a gap (e.g. no first token in that interval). */
export interface Point {
  atMs: number;
  value: number | null;
}

const EMPTY: ModelSnapshot = { queued: 0, active: 0, loaded: false, memoryBytes: 0, ttftSumS: 0, ttftCount: 0, completionTokens: 0 };

const FIELDS: Record<string, (s: ModelSnapshot, v: number) => void> = {
  outpost_queue_depth: (s, v) => (s.queued = v),
  outpost_active_sequences: (s, v) => (s.active = v),
  outpost_model_loaded: (s, v) => (s.loaded = v === 1),
  outpost_model_memory_bytes: (s, v) => (s.memoryBytes = v),
  outpost_time_to_first_token_seconds_sum: (s, v) => (s.ttftSumS = v),
  outpost_time_to_first_token_seconds_count: (s, v) => (s.ttftCount = v),
  outpost_completion_tokens_total: (s, v) => (s.completionTokens = v),
};

/** The per-model numbers of one scrape. */
export function snapshotOf(samples: readonly Sample[], atMs: number): Snapshot {
  const models: Record<string, ModelSnapshot> = {};
  for (const sample of samples) {
    const set = FIELDS[sample.name];
    const model = sample.labels.model;
    if (!set || model === undefined) continue;
    set((models[model] ??= { ...EMPTY }), sample.value);
  }
  return { atMs, models };
}

/** The history with `next` added, keeping only the last `windowMs`. */
export function appendSnapshot(history: readonly Snapshot[], next: Snapshot, windowMs: number): Snapshot[] {
  return [...history, next].filter((s) => s.atMs >= next.atMs - windowMs);
}

/** `prev` is undefined when the model was not in the previous scrape: its counters were 0 then. */
function pointValue(metric: LiveMetric, prevModel: ModelSnapshot | undefined, cur: ModelSnapshot | undefined, dtMs: number): number | null {
  if (metric === "queued" || metric === "active") return (cur ?? EMPTY)[metric];
  if (!cur) return null;
  const prev = prevModel ?? EMPTY;
  if (metric === "ttftMs") {
    const count = cur.ttftCount - prev.ttftCount;
    return count > 0 ? ((cur.ttftSumS - prev.ttftSumS) / count) * 1000 : null;
  }
  const tokens = cur.completionTokens - prev.completionTokens;
  // A negative difference is a restarted server: that interval has no rate.
  return tokens >= 0 && dtMs > 0 ? (tokens * 1000) / dtMs : null;
}

/**
 * Each model's series of one metric. Gauges are read at each scrape; TTFT is the mean of the
 * first tokens seen between two scrapes and tokens/s the tokens finished between them, so
 * both start at the second scrape.
 */
export function seriesOf(history: readonly Snapshot[], metric: LiveMetric): Map<string, Point[]> {
  const models = [...new Set(history.flatMap((s) => Object.keys(s.models)))].sort();
  const result = new Map<string, Point[]>();
  for (const model of models) {
    const points: Point[] = [];
    history.forEach((cur, i) => {
      const prev = history[i - 1];
      if (i === 0 && metric !== "queued" && metric !== "active") return;
      points.push({ atMs: cur.atMs, value: pointValue(metric, prev?.models[model], cur.models[model], prev ? cur.atMs - prev.atMs : 0) });
    });
    result.set(model, points);
  }
  return result;
}

/** A round axis top at or above `max`: 1, 2 or 5 times a power of ten (1 for an empty chart). */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return ([1, 2, 5, 10].find((step) => step * power >= max) ?? 10) * power;
}

/** The last point with a value: where a chart marks a series' current value. */
export function lastValue(points: readonly Point[]): (Point & { value: number }) | undefined {
  for (let i = points.length - 1; i >= 0; i--) {
    const p = points[i]!;
    if (p.value !== null) return { atMs: p.atMs, value: p.value };
  }
  return undefined;
}

/** A chart box: x spans [fromMs, toMs] over `width`, y spans [0, top] upwards over `height`. */
export interface Frame {
  fromMs: number;
  toMs: number;
  top: number;
  width: number;
  height: number;
}

/** Where a value at a time sits in the frame; values above the top sit on it. */
export function plot(atMs: number, value: number, f: Frame): { x: number; y: number } {
  return { x: ((atMs - f.fromMs) / (f.toMs - f.fromMs)) * f.width, y: f.height - (Math.min(value, f.top) / f.top) * f.height };
}

/** SVG path data for the points in the frame; a null value breaks the line. */
export function linePath(points: readonly Point[], frame: Frame): string {
  let path = "";
  let pen = false;
  for (const p of points) {
    if (p.value === null || p.atMs < frame.fromMs) {
      pen = false;
      continue;
    }
    const { x, y } = plot(p.atMs, p.value, frame);
    path += `${pen ? "L" : "M"}${x.toFixed(1)} ${y.toFixed(1)}`;
    pen = true;
  }
  return path;
}
