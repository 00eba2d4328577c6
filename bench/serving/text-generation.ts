/**
 * The text-generation parts: `serving` (each side against the raw engine, with the issue's
 * targets) and `sweep` (the raw engine at several thread counts). Both run cells of
 * interleaved trials (cell.ts) and print medians with their 95 % intervals; a target is met or
 * missed only when the interval says so, else the cell is "noisy".
 */
import { formatEstimate, formatVerdict, type Estimate, type Target } from "./confidence.js";
import { medianOf, paired, runCell, type CellOptions, type CellResult, type Trial } from "./cell.js";
import { formatLoad, onCores } from "./interleave.js";
import type { BenchModel } from "./models.js";
import type { BenchContext, BenchPart } from "./part.js";
import { fmt, pct, table } from "./report.js";
import { openSide, SIDES, type Side, type SideSetup } from "./sides.js";
import { sameTextShare, summarise, type Summary } from "./stats.js";

/** Issue 16's targets, against the raw engine, by concurrency. */
const TARGETS: Record<number, { aggregate: Target; ttftMs: Target }> = {
  1: { aggregate: { atLeast: 0.97 }, ttftMs: { atMost: 2 } },
  8: { aggregate: { atLeast: 0.95 }, ttftMs: { atMost: 5 } },
};

const aggregate = (s: Summary) => s.aggregateTokensPerS;

function cellOptions(ctx: BenchContext, model: BenchModel, concurrency: number): CellOptions {
  const budgetS = ctx.flag("cell-budget-s");
  return {
    concurrency,
    maxTokens: model.maxTokens[ctx.mode],
    trialMs: Number(ctx.flag("trial-ms") || (ctx.quick ? 400 : 1_500)),
    minRounds: Number(ctx.flag("min-rounds")),
    maxRounds: Number(ctx.flag("max-rounds")),
    budgetMs: Number(budgetS || (ctx.quick ? 15 : 60)) * 1000,
    ratioHalfWidth: Number(ctx.flag("ci")),
  };
}

/** All of a side's requests in one, for pooled percentiles and shares. */
const pooled = (trials: Trial[]) => summarise(trials.flatMap((t) => t.results));

function cpuPerToken(trials: Trial[]): string {
  const tokens = trials.reduce((n, t) => n + t.summary.tokens, 0);
  const byProcess: Record<string, number> = {};
  for (const t of trials) for (const [k, v] of Object.entries(t.cpuMs)) byProcess[k] = (byProcess[k] ?? 0) + v;
  const us = (ms: number) => fmt((ms * 1000) / tokens, 0);
  const total = Object.values(byProcess).reduce((a, b) => a + b, 0);
  return `${us(total)} (${Object.entries(byProcess).map(([k, v]) => `${k} ${us(v)}`).join(", ")})`;
}

function stopped(cell: CellResult): string {
  return `${cell.interleaved.rounds} (${cell.interleaved.stoppedBy})`;
}

export const servingPart: BenchPart = {
  name: "serving",
  options: {
    concurrency: { type: "string" },
    sides: { type: "string", default: "raw,engine,runner,outpost" },
    "trial-ms": { type: "string" },
    "cell-budget-s": { type: "string" },
    "min-rounds": { type: "string", default: "6" },
    "max-rounds": { type: "string", default: "40" },
    ci: { type: "string", default: "0.02" },
    "peer-url": { type: "string" },
    "peer-model": { type: "string" },
  },
  async run(ctx) {
    const sides = ctx.flag("sides").split(",").map((s) => s.trim()).filter((s): s is Side => (SIDES as readonly string[]).includes(s));
    if (sides[0] !== "raw") throw new Error("--sides must start with raw: every ratio is against it");
    const concurrencies = ctx.flag("concurrency") ? ctx.ints("concurrency") : ctx.quick ? [1, 8] : [1, 4, 8, 16];
    const peer = ctx.flag("peer-url") ? { url: ctx.flag("peer-url"), model: ctx.flag("peer-model") } : undefined;
    const sideRows: string[][] = [];
    const ratioRows: string[][] = [];
    for (const model of ctx.models) {
      ctx.prepare(model);
      for (const concurrency of concurrencies) {
        const options = cellOptions(ctx, model, concurrency);
        const setup: SideSetup = { model, concurrency, threads: ctx.threads, serverFlags: ctx.serverFlags, peer };
        ctx.log(`${model.name} c=${concurrency}, ${ctx.threads} thread(s)`);
        const cell = await runCell(model, sides.map((side) => ({ name: side, open: () => openSide(side, setup) })), options, ctx.log);
        const base = { model: model.name, catalogId: model.catalogId, quantisation: model.quantisation, mode: ctx.mode, threads: ctx.threads, concurrency, maxTokens: options.maxTokens, roundsPerTrial: cell.roundsPerTrial };
        ctx.out.write("cell", { ...base, rounds: cell.interleaved.rounds, stoppedBy: cell.interleaved.stoppedBy, wallMs: cell.interleaved.wallMs, ...cell.interleaved.load });
        const load = formatLoad(cell.interleaved.load);
        const rawResults = (cell.trials.get("raw") ?? []).flatMap((t) => t.results);
        for (const [side, trials] of cell.trials) {
          trials.forEach((t, round) => ctx.out.write("trial", { ...base, side, round, ...t.summary, cpuMs: t.cpuMs }));
          const all = pooled(trials);
          sideRows.push([model.name, String(concurrency), side, fmt(medianOf(trials, aggregate)), fmt(medianOf(trials, (s) => s.perStreamTokensPerS)), fmt(medianOf(trials, (s) => s.ttftP50Ms), 2), fmt(all.ttftP99Ms, 2), fmt(all.itlP50Ms, 2), fmt(all.itlP99Ms, 2), pct(all.rejectedShare), pct(all.failedShare), cpuPerToken(trials)]);
          if (side === "raw") continue;
          const ratio: Record<string, Estimate> = {
            aggregate: paired(cell, side, aggregate, "ratio"),
            perStream: paired(cell, side, (s) => s.perStreamTokensPerS, "ratio"),
            ttftOverheadMs: paired(cell, side, (s) => s.ttftP50Ms, "difference"),
            itlOverheadMs: paired(cell, side, (s) => s.itlP50Ms, "difference"),
          };
          const sameText = sameTextShare(trials.flatMap((t) => t.results), rawResults);
          ctx.out.write("ratio", { ...base, side, against: "raw", ...ratio, sameText, load: cell.interleaved.load });
          const target = TARGETS[concurrency];
          const verdicts = side === "outpost" && target ? `${formatVerdict(ratio.aggregate!, target.aggregate, `agg ≥ ${pct("atLeast" in target.aggregate ? target.aggregate.atLeast : 0)}`, onCores(cell.interleaved.load))}; ${formatVerdict(ratio.ttftOverheadMs!, target.ttftMs, `TTFT ≤ +${"atMost" in target.ttftMs ? target.ttftMs.atMost : 0} ms`, onCores(cell.interleaved.load))}` : "";
          const a = ratio.aggregate!;
          ratioRows.push([model.name, String(concurrency), `${side}/raw`, formatEstimate(a, "percent"), `${pct(a.q1)}–${pct(a.q3)}`, formatEstimate(ratio.ttftOverheadMs!, "ms"), fmt(ratio.itlOverheadMs!.median, 3), pct(sameText), stopped(cell), load, verdicts]);
        }
      }
    }
    return [
      table(`Serving: ${ctx.threads} llama.cpp thread(s), greedy, interleaved trials; medians over trials, times in ms (p99 and ITL pooled over all requests)`, ["model", "c", "side", "agg tok/s", "stream tok/s", "TTFT p50", "TTFT p99", "ITL p50", "ITL p99", "429", "failed", "CPU µs/token (by process)"], sideRows),
      table(
        "Against the raw engine, paired per round: median [95% interval]; TTFT and ITL as differences; load = 1-min loadavg, CPU steal, other processes' share of the CPUs",
        ["model", "c", "layer", "agg", "agg IQR", "TTFT +ms", "ITL +ms", "same text", "rounds", "load, steal, other", "target"],
        ratioRows,
      ),
    ];
  },
};

export const sweepPart: BenchPart = {
  name: "sweep",
  // Two llama.cpp threads on a machine with other work queued for its cores can be hundreds of
  // times slower than one (each step's barrier waits for a descheduled thread), and then six
  // rounds take many minutes: the sweep is evidence for the thread rule, not a target.
  quick: false,
  options: { "sweep-threads": { type: "string", default: "1,2" }, "sweep-concurrency": { type: "string", default: "1,8" } },
  async run(ctx) {
    const rows: string[][] = [];
    const threadCounts = ctx.ints("sweep-threads");
    for (const model of ctx.models) {
      for (const concurrency of ctx.ints("sweep-concurrency")) {
        ctx.log(`${model.name} thread sweep: ${threadCounts.join(", ")} threads, c=${concurrency}, interleaved`);
        const sides = threadCounts.map((threads) => ({ name: `${threads}`, open: () => openSide("raw", { model, concurrency, threads, serverFlags: ctx.serverFlags }) }));
        const options = cellOptions(ctx, model, concurrency);
        const cell = await runCell(model, sides, { ...options, budgetMs: options.budgetMs / 2 }, ctx.log);
        ctx.out.write("thread-sweep-cell", { model: model.name, quantisation: model.quantisation, mode: ctx.mode, concurrency, rounds: cell.interleaved.rounds, ...cell.interleaved.load });
        for (const [threads, trials] of cell.trials) {
          const ratio = paired(cell, threads, aggregate, "ratio");
          ctx.out.write("thread-sweep", { model: model.name, quantisation: model.quantisation, mode: ctx.mode, threads: Number(threads), concurrency, side: "raw", aggregateTokensPerS: medianOf(trials, aggregate), against: `${cell.baseline} threads`, ratio });
          rows.push([model.name, String(concurrency), threads, fmt(medianOf(trials, aggregate)), fmt(medianOf(trials, (s) => s.perStreamTokensPerS)), fmt(medianOf(trials, (s) => s.ttftP50Ms), 2), fmt(medianOf(trials, (s) => s.itlP50Ms), 2), threads === cell.baseline ? "1" : formatEstimate(ratio, "percent"), stopped(cell), formatLoad(cell.interleaved.load)]);
        }
      }
    }
    return [table(`Thread sweep (raw engine), interleaved; the ratio is against ${threadCounts[0]} thread(s), median [95% interval]`, ["model", "c", "threads", "agg tok/s", "stream tok/s", "TTFT p50", "ITL p50", "vs first", "rounds", "load, steal, other"], rows)];
  },
};
