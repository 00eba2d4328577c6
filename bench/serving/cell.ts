/**
 * One cell of the text-generation benchmark: a model at one concurrency, every side open at
 * once and warm, then interleaved trials of the same closed-loop workload until the ratios to
 * the baseline are pinned down (or the cell's budget ends). Each trial is short (about
 * `trialMs` on the baseline), so a burst of other work spoils a trial or two, not a side.
 */
import { estimate, halfWidth, type Estimate } from "./confidence.js";
import { interleave, type InterleaveOptions, type Interleaved } from "./interleave.js";
import type { BenchModel } from "./models.js";
import type { ServingSide } from "./sides.js";
import { percentile, runClients, summarise, type PromptResult, type Summary } from "./stats.js";

export interface CellSide {
  name: string;
  open(): Promise<ServingSide>;
}

export interface CellOptions extends Omit<InterleaveOptions, "enough"> {
  concurrency: number;
  maxTokens: number;
  /** A trial's length on the baseline, ms: it sets the requests each client sends per trial. */
  trialMs: number;
  /** Stop once every side's throughput ratio is known to ± this (a share: 0.02 is ± 2 points). */
  ratioHalfWidth: number;
}

export interface Trial {
  summary: Summary;
  results: PromptResult[];
  /** CPU of every process involved (bench process included), ms by name. */
  cpuMs: Record<string, number>;
}

export interface CellResult {
  /** The first side: every ratio is against it. */
  baseline: string;
  /** Requests each client sends per trial. */
  roundsPerTrial: number;
  trials: Map<string, Trial[]>;
  interleaved: Interleaved;
}

const processCpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);

async function trial(side: ServingSide, model: BenchModel, concurrency: number, rounds: number, maxTokens: number): Promise<Trial> {
  const before = { bench: processCpuMs(), ...side.cpuMs() };
  const results = await runClients(concurrency, rounds, model.prompts, (prompt) => side.request(prompt, maxTokens));
  const after: Record<string, number> = { bench: processCpuMs(), ...side.cpuMs() };
  const cpuMs = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k as keyof typeof before] ?? 0)]));
  return { summary: summarise(results), results, cpuMs };
}

/** Per round, `figure(side) / figure(baseline)` (or the difference): paired, so drift cancels. */
export function paired(cell: Pick<CellResult, "baseline" | "trials">, side: string, figure: (s: Summary) => number, as: "ratio" | "difference"): Estimate {
  const base = cell.trials.get(cell.baseline) ?? [];
  const values = (cell.trials.get(side) ?? []).map((t, i) => {
    const b = base[i];
    if (!b) return Number.NaN;
    return as === "ratio" ? figure(t.summary) / figure(b.summary) : figure(t.summary) - figure(b.summary);
  });
  return estimate(values);
}

/** Median of a figure over a side's trials. */
export const medianOf = (trials: Trial[], figure: (s: Summary) => number): number => percentile(trials.map((t) => figure(t.summary)), 50);

export async function runCell(model: BenchModel, sides: CellSide[], options: CellOptions, log: (line: string) => void): Promise<CellResult> {
  const opened = new Map<string, ServingSide>();
  try {
    for (const side of sides) opened.set(side.name, await side.open());
    // Warm every side with a full round; the baseline's time per round sizes the trials. Its
    // fastest of three: one slow round on a busy machine would make every trial too short.
    const baselineMs: number[] = [];
    for (const [name, side] of opened) {
      for (let i = 0; i < (name === sides[0]?.name ? 3 : 1); i++) {
        const warm = await trial(side, model, options.concurrency, 1, options.maxTokens);
        if (warm.summary.completed === 0) throw new Error(`${name}: every warm-up request failed (${warm.results[0]?.status})`);
        if (name === sides[0]?.name) baselineMs.push(warm.summary.wallMs);
      }
    }
    const roundsPerTrial = Math.max(1, Math.round(options.trialMs / Math.min(...baselineMs)));
    const trials = new Map<string, Trial[]>(sides.map((s) => [s.name, []]));
    const baseline = sides[0]?.name ?? "";
    const others = sides.slice(1).map((s) => s.name);
    const enough = () => others.every((name) => halfWidth(paired({ baseline, trials }, name, (s) => s.aggregateTokensPerS, "ratio")) <= options.ratioHalfWidth);
    const ownCpuMs = () => processCpuMs() + [...opened.values()].reduce((total, side) => total + sum(side.cpuMs()), 0);
    log(`  ${sides.map((s) => s.name).join(", ")}: trials of ${roundsPerTrial} × ${options.concurrency} requests × ${options.maxTokens} tokens, at least ${options.minRounds} rounds, budget ${(options.budgetMs / 1000).toFixed(0)} s`);
    const interleaved = await interleave(
      sides.map((s) => s.name),
      async (name) => void trials.get(name)?.push(await trial(opened.get(name)!, model, options.concurrency, roundsPerTrial, options.maxTokens)),
      { minRounds: options.minRounds, maxRounds: options.maxRounds, budgetMs: options.budgetMs, enough },
      ownCpuMs,
    );
    return { baseline, roundsPerTrial, trials, interleaved };
  } finally {
    for (const side of opened.values()) await side[Symbol.asyncDispose]();
  }
}
