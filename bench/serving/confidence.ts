/**
 * How sure a benchmark figure is. Each figure is a median over paired trials (one trial of
 * each side, back to back), with a distribution-free confidence interval: on a shared
 * machine trial times are skewed and jumpy, so nothing here assumes a normal distribution.
 * A target is judged met or missed only when the whole interval is on one side of it;
 * otherwise the figure is "noisy": the run cannot support either answer.
 */
import { percentile } from "./stats.js";

/** Confidence level of every interval the benchmark prints. */
export const CONFIDENCE = 0.95;

export interface Estimate {
  /** Trials (pairs) behind it. */
  n: number;
  median: number;
  /** Interquartile range: the spread of single trials. */
  q1: number;
  q3: number;
  /** Confidence interval of the median; NaN when `n` is too few for the level (at 95 %: under 6). */
  low: number;
  high: number;
}

/** P(X ≤ k) for X ~ Binomial(n, ½). */
function binomialHalfCdf(n: number, k: number): number {
  let term = 0.5 ** n;
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += term;
    term = (term * (n - i)) / (i + 1);
  }
  return sum;
}

/**
 * The median with its interval from order statistics: [x(k), x(n+1−k)] for the largest k with
 * P(Binomial(n, ½) < k) ≤ (1 − level)/2, which covers the true median with at least `level`
 * probability whatever the distribution.
 */
export function estimate(values: number[], level = CONFIDENCE): Estimate {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = sorted.length;
  let k = 0;
  while (k + 1 <= n / 2 && binomialHalfCdf(n, k) <= (1 - level) / 2) k++;
  const [low, high] = k === 0 ? [Number.NaN, Number.NaN] : [sorted[k - 1]!, sorted[n - k]!];
  return { n, median: percentile(sorted, 50), q1: percentile(sorted, 25), q3: percentile(sorted, 75), low, high };
}

/** Half the interval's width; Infinity while there is no interval. */
export function halfWidth(e: Estimate): number {
  return Number.isNaN(e.low) ? Number.POSITIVE_INFINITY : (e.high - e.low) / 2;
}

export type Target = { atLeast: number } | { atMost: number };
export type Verdict = "met" | "missed" | "noisy";

/** Met or missed only when the whole confidence interval lies on one side of the target. */
export function verdict(e: Estimate, target: Target): Verdict {
  if (Number.isNaN(e.low)) return "noisy";
  if ("atLeast" in target) return e.low >= target.atLeast ? "met" : e.high < target.atLeast ? "missed" : "noisy";
  return e.high <= target.atMost ? "met" : e.low > target.atMost ? "missed" : "noisy";
}

/** The machine during a measurement: its mean 1-minute load average and its cores. */
export interface LoadContext {
  loadavg1: number;
  cores: number;
}

/**
 * For a figure in absolute time (a restart), or one whose sides differ in how many processes
 * must be scheduled per token (Outpost's client, server and runner against one in-process
 * engine), other work does not cancel in the pair: it slows the side with more hops. On a
 * machine whose load average exceeds its cores a met target stands (the load only made it
 * harder), but a miss cannot be told from the load, and is noisy.
 */
export function loadedVerdict(e: Estimate, target: Target, load: LoadContext): Verdict {
  const v = verdict(e, target);
  return v === "missed" && load.loadavg1 > load.cores ? "noisy" : v;
}

/** "97.2% [95.1–99.0]" or "+1.3 [0.8–2.1]": the median and its interval, as a table cell. */
export function formatEstimate(e: Estimate, as: "percent" | "ms"): string {
  const show = (v: number) => (!Number.isFinite(v) ? "-" : as === "percent" ? `${(v * 100).toFixed(1)}%` : `${v >= 0 ? "+" : ""}${v.toFixed(2)}`);
  return Number.isNaN(e.low) ? `${show(e.median)} [n=${e.n}]` : `${show(e.median)} [${show(e.low)}, ${show(e.high)}]`;
}

/** A target's cell: "≥ 97% met", "≤ 2 ms noisy", "≥ 95% noisy (load)" for a miss the load explains. */
export function formatVerdict(e: Estimate, target: Target, label: string, load?: LoadContext): string {
  const v = verdict(e, target);
  if (v === "met") return `${label} met`;
  if (v === "noisy") return `${label} noisy`;
  return load && loadedVerdict(e, target, load) === "noisy" ? `${label} noisy (load)` : `${label} MISSED`;
}
