/** The "hostile" part of `npm run bench`: each scenario a client could use to hurt everyone else, as figures. */
import { fmt, mib, pct, table, type JsonLines } from "../serving/report.js";
import { percentile } from "../serving/stats.js";
import { hostileBodies } from "./bodies.js";
import { rejectCost } from "./reject-cost.js";

const range = (values: number[]) => `${fmt(Math.min(...values), 0)}–${fmt(Math.max(...values), 0)}`;
const median = (values: number[]) => percentile(values, 50);

/** Runs the hostile scenarios against `model` (a catalog id); returns the tables to print. */
export async function hostile(flags: Record<string, string | number>, model: string, quick: boolean, out: JsonLines, log: (line: string) => void): Promise<string[]> {
  const tables: string[] = [];

  log("hostile: 32 JSON-amplification bodies of 10 MiB at once");
  const b = await hostileBodies(flags, model, { bodies: 32, deadlineMs: quick ? 60_000 : 120_000 });
  out.write("hostile-bodies", { model, ...b });
  const growth = b.rssPeakBytes - b.rssBeforeBytes;
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
          `RSS < +200 MiB ${growth < 200 * 2 ** 20 ? "met" : "MISSED"}; delay p99 < 50 ms ${b.eventLoopDelayP99Ms < 50 ? "met" : "MISSED"}; valid ${b.validOk > 0 && b.validFailed === 0 ? "met" : "MISSED"}`,
        ],
      ],
    ),
  );

  log("hostile: reject cost beside /healthz cost");
  const r = await rejectCost(flags, model, { requests: quick ? 400 : 1_000, rounds: quick ? 3 : 5, concurrency: 16 });
  out.write("hostile-reject-cost", { model, ...r });
  tables.push(
    table(
      `Reject cost: ${r.rounds} interleaved rounds of ${r.requestsPerRound} requests, ${r.concurrency} kept-alive connections; server CPU µs per request (median, range)`,
      ["requests", "CPU µs/request", "client p50 ms", "client p99 ms", "429 share", "ratio", "target ≤ 1.5×"],
      [
        ["429 run", `${fmt(median(r.rejectCpuUs), 0)} (${range(r.rejectCpuUs)})`, fmt(r.rejectP50Ms, 2), fmt(r.rejectP99Ms, 2), pct(r.rejectedShare), fmt(r.ratio, 2), r.ratio <= 1.5 ? "met" : "MISSED"],
        ["/healthz", `${fmt(median(r.healthzCpuUs), 0)} (${range(r.healthzCpuUs)})`, fmt(r.healthzP50Ms, 2), fmt(r.healthzP99Ms, 2), "-", "1.00", ""],
      ],
    ),
  );
  return tables;
}
