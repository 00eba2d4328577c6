/**
 * Short alternating trials instead of one block per side: round r runs every side once, in
 * the given order on even rounds and reversed on odd ones (A B C, C B A, …), so load that
 * drifts on a shared machine lands on every side alike and each round pairs the sides for a
 * ratio. Rounds go on until the figures are sure enough or the cell's time budget is spent,
 * and the machine's load over the rounds is kept with them.
 */
import { availableParallelism, loadavg } from "node:os";
import type { LoadContext } from "./confidence.js";
import { machineTicks } from "./proc.js";

export interface InterleaveOptions {
  /** Rounds run whatever the budget says: fewer cannot give an interval (6 at 95 %). */
  minRounds: number;
  maxRounds: number;
  /** Wall time after which no new round starts, once `minRounds` are in, ms. */
  budgetMs: number;
  /** Whether the rounds so far pin the figures down well enough to stop early. */
  enough?: (rounds: number) => boolean;
}

/** What else the machine did during the rounds: above a few % of steal or other load, expect wide intervals. */
export interface MachineLoad {
  /** Mean of the 1-minute load average, sampled once per round. */
  loadavg1: number;
  /** Share of CPU time stolen by the hypervisor (from /proc/stat). */
  stealShare: number;
  /** Share of the machine's CPU capacity in use, by anyone, steal included. */
  busyShare: number;
  /** Share of capacity used by processes other than those the trials charged (`ownCpuMs`), steal left out; NaN when not given. */
  otherShare: number;
}

export interface Interleaved {
  rounds: number;
  stoppedBy: "enough" | "budget" | "rounds";
  wallMs: number;
  load: MachineLoad;
}

export const roundOrder = <S>(sides: readonly S[], round: number): S[] => (round % 2 === 0 ? [...sides] : [...sides].reverse());

/**
 * Runs `trial(side, round)` for every side, round after round. `ownCpuMs` (read before and
 * after) is the CPU of every process the trials use, so the rest of the machine's busy time
 * is other work.
 */
export async function interleave<S>(sides: readonly S[], trial: (side: S, round: number) => Promise<void>, options: InterleaveOptions, ownCpuMs?: () => number): Promise<Interleaved> {
  const startMs = performance.now();
  const ticksBefore = machineTicks();
  const ownBefore = ownCpuMs?.() ?? Number.NaN;
  const loads: number[] = [];
  let rounds = 0;
  let stoppedBy: Interleaved["stoppedBy"] = "rounds";
  while (rounds < options.maxRounds) {
    if (rounds >= options.minRounds) {
      if (options.enough?.(rounds)) {
        stoppedBy = "enough";
        break;
      }
      if (performance.now() - startMs >= options.budgetMs) {
        stoppedBy = "budget";
        break;
      }
    }
    for (const side of roundOrder(sides, rounds)) await trial(side, rounds);
    loads.push(loadavg()[0] ?? Number.NaN);
    rounds++;
  }
  const wallMs = performance.now() - startMs;
  const ticks = machineTicks();
  const total = ticks.totalMs - ticksBefore.totalMs;
  const busy = ticks.busyMs - ticksBefore.busyMs;
  const steal = ticks.stealMs - ticksBefore.stealMs;
  const own = (ownCpuMs?.() ?? Number.NaN) - ownBefore;
  return {
    rounds,
    stoppedBy,
    wallMs,
    load: {
      loadavg1: loads.reduce((a, b) => a + b, 0) / loads.length,
      stealShare: total > 0 ? steal / total : 0,
      busyShare: total > 0 ? busy / total : 0,
      otherShare: Math.max(0, busy - steal - own) / (availableParallelism() * wallMs),
    },
  };
}

/** The load as a verdict weighs it (confidence.ts loadedVerdict). */
export const onCores = (load: MachineLoad): LoadContext => ({ loadavg1: load.loadavg1, cores: availableParallelism() });

/** "load 2.3, steal 4%, other 31%": a table cell. */
export function formatLoad(load: MachineLoad): string {
  const share = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(0)}%` : "-");
  return `${load.loadavg1.toFixed(1)}, ${share(load.stealShare)}, ${share(load.otherShare)}`;
}
