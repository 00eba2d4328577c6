/** The "hostile" part of `npm run bench`: each scenario a client could use to hurt everyone else, as figures (issue 14 items 1, 3 and 8). */
import { availableParallelism, loadavg } from "node:os";
import { estimate, formatVerdict, type Estimate } from "../serving/confidence.js";
import { benchModel } from "../serving/models.js";
import type { BenchContext, BenchPart } from "../serving/part.js";
import { fmt, mib, pct, table } from "../serving/report.js";
import { percentile } from "../serving/stats.js";
import { hostileBodies } from "./bodies.js";
import { rejectCost } from "./reject-cost.js";
import { restartTime } from "./restart.js";

const range = (values: number[]) => `${fmt(Math.min(...values), 0)}–${fmt(Math.max(...values), 0)}`;
const median = (values: number[]) => percentile(values, 50);

/** Issue 14's target for a runner's replacement after a crash. */
const RESTART_TARGET = { atMost: 300 };

/** "1.12 [0.98, 1.30]": a median and its interval in plain numbers. */
function intervalCell(e: Estimate, digits: number): string {
  return Number.isNaN(e.low) ? `${fmt(e.median, digits)} [n=${e.n}]` : `${fmt(e.median, digits)} [${fmt(e.low, digits)}, ${fmt(e.high, digits)}]`;
}
const restartCell = (ms: number[]) => intervalCell(estimate(ms), 0);
const ratioCell = (e: Estimate) => intervalCell(e, 2);

/** The hostile scenarios on stories260k (bodies, reject cost) and TinyStories-656K (poison restarts); returns the tables. */
async function hostile(ctx: BenchContext): Promise<string[]> {
  const { serverFlags: flags, quick, out, log } = ctx;
  const model = ctx.prepare(benchModel("stories260k")).catalogId;
  const tables: string[] = [];

  log("hostile: 32 JSON-amplification bodies of 10 MiB at once");
  const b = await hostileBodies(flags, model, { bodies: 32, deadlineMs: quick ? 60_000 : 120_000 });
  out.write("hostile-bodies", { model, ...b });
  const growth = b.rssPeakBytes - b.rssBeforeBytes;
  // A delay is an absolute time other work stretches: a miss on a machine busier than its cores cannot be pinned on Outpost.
  const loaded = (loadavg()[0] ?? 0) > availableParallelism();
  const statuses = Object.entries(b.hostileStatuses).map(([s, n]) => `${n}×${s === "0" ? "none" : s}`).join(" ");
  tables.push(
    table(
      `Hostile bodies: ${b.bodies} × ${mib(b.bodyBytes)} of [{},{},…] at once, valid requests and /healthz probes alongside`,
      ["hostile answers", "hostile p50 / max ms", "RSS before", "RSS peak (growth)", "RSS after", "loop delay p99 / max ms", "/healthz p50 / p99 / max ms", "valid ok / failed", "alive", "target"],
      [
        [
          statuses,
          `${fmt(b.hostileP50Ms, 0)} / ${fmt(b.hostileMaxMs, 0)}`,
          mib(b.rssBeforeBytes),
          `${mib(b.rssPeakBytes)} (+${mib(growth)})`,
          mib(b.rssAfterBytes),
          `${fmt(b.eventLoopDelayP99Ms, 1)} / ${fmt(b.eventLoopDelayMaxMs, 0)}`,
          `${fmt(b.healthzP50Ms, 1)} / ${fmt(b.healthzP99Ms, 1)} / ${fmt(b.healthzMaxMs, 0)}`,
          `${b.validOk} / ${b.validFailed}`,
          String(b.serverAlive),
          `RSS < +200 MiB ${growth < 200 * 2 ** 20 ? "met" : "MISSED"}; delay p99 < 50 ms ${b.eventLoopDelayP99Ms < 50 ? "met" : !b.sparesReady ? "noisy (spares booting)" : loaded ? "noisy (load)" : "MISSED"}; valid ${b.validOk > 0 && b.validFailed === 0 ? "met" : "MISSED"}`,
        ],
      ],
    ),
  );

  log("hostile: reject cost beside /healthz cost");
  const r = await rejectCost(flags, model, { requests: quick ? 400 : 1_000, rounds: quick ? 6 : 10, concurrency: 16 });
  out.write("hostile-reject-cost", { model, ...r });
  tables.push(
    table(
      `Reject cost: ${r.rounds} interleaved rounds of ${r.requestsPerRound} requests, ${r.concurrency} kept-alive connections; server CPU µs per request (median, range)`,
      ["requests", "CPU µs/request", "client p50 ms", "client p99 ms", "429 share", "ratio per round [95%]", "target"],
      [
        ["429 run", `${fmt(median(r.rejectCpuUs), 0)} (${range(r.rejectCpuUs)})`, fmt(r.rejectP50Ms, 2), fmt(r.rejectP99Ms, 2), pct(r.rejectedShare), ratioCell(r.ratio), formatVerdict(r.ratio, { atMost: 1.5 }, "≤ 1.5×")],
        ["/healthz", `${fmt(median(r.healthzCpuUs), 0)} (${range(r.healthzCpuUs)})`, fmt(r.healthzP50Ms, 2), fmt(r.healthzP99Ms, 2), "-", "1.00", ""],
      ],
    ),
  );

  const poisoned = ctx.prepare(benchModel("tinystories-656k")).catalogId;
  const restarts = [];
  for (const crash of ["kill", "poison"] as const) {
    const crashes = quick ? 6 : crash === "kill" ? 10 : 20;
    log(`hostile: restart time, ${crashes} × ${crash === "kill" ? "runner SIGKILLed, a fresh server each" : "a new poison input"}`);
    const t = await restartTime(flags, poisoned, crash, crashes);
    out.write("hostile-restart", { model: poisoned, ...t });
    restarts.push(t);
  }
  tables.push(
    table(
      `Restart time on ${poisoned}, warm spare ready before each crash: from the crash being known (kill sent; poison answered) to the next valid answer, ms`,
      ["crash", "crashes", "crash answers", "answer p50", "restart p50 [95%]", "restart p99", "warm answer p50", "spare not ready", "not recovered", "restarts counted", "loadavg", "target"],
      restarts.map((t) => [
        t.crash === "kill" ? "runner SIGKILLed" : "poison input (2 crashes)",
        String(t.crashes),
        Object.entries(t.crashStatuses).map(([s, n]) => `${n}×${s === "0" ? "none" : s}`).join(" "),
        t.crashAnswerMs.length > 0 ? fmt(median(t.crashAnswerMs), 0) : "-",
        restartCell(t.restartMs),
        fmt(t.restartP99Ms, 0),
        fmt(t.warmAnswerP50Ms, 1),
        String(t.sparesNotReady),
        String(t.unrecovered),
        String(t.runnerRestarts),
        fmt(t.loadavg1, 1),
        t.unrecovered > 0 ? "p50 < 300 ms MISSED" : formatVerdict(estimate(t.restartMs), RESTART_TARGET, "p50 < 300 ms", { loadavg1: t.loadavg1, cores: availableParallelism() }),
      ]),
    ),
  );
  return tables;
}

export const hostilePart: BenchPart = { name: "hostile", run: hostile };
