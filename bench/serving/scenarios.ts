/** The flash-crowd part: a burst far beyond capacity through Outpost's HTTP API. */
import { availableParallelism, loadavg } from "node:os";
import { benchModel } from "./models.js";
import { plainRun, startOutpost, streamRun, warmConnections } from "./outpost.js";
import type { BenchPart } from "./part.js";
import { fmt, mib, table } from "./report.js";
import { percentile } from "./stats.js";

export interface FlashCrowdResult {
  slots: number;
  maxQueue: number;
  /** Requests sent at once per burst (10× slots). */
  burst: number;
  bursts: number;
  ok: number;
  rejected: number;
  other: number;
  rejectP50Ms: number;
  rejectP99Ms: number;
  rssBeforeBytes: number;
  /** Server + runners after each burst has finished. */
  rssAfterBytes: number[];
  serverAlive: boolean;
}

/**
 * 10× slots of streamed requests at the same instant, `bursts` times: the excess beyond slots
 * + queue must come back 429 at once, the rest complete, and memory must not grow per burst.
 * Connections are opened beforehand, so the 429 latency is Outpost's, not the TCP handshake's.
 */
export async function flashCrowd(flags: Record<string, string | number>, model: string, options: { slots: number; maxQueue: number; bursts: number; maxTokens: number }): Promise<FlashCrowdResult> {
  const server = await startOutpost({ ...flags, slots: options.slots, "max-queue": options.maxQueue });
  try {
    const inputs = { prompt: "Once upon a time", max_tokens: options.maxTokens, temperature: 0 };
    await plainRun(server.url, model, inputs); // load the runner first: the crowd meets a warm model
    const rssBeforeBytes = server.rssBytes();
    const burst = options.slots * 10;
    const statuses: number[] = [];
    const rejectMs: number[] = [];
    const rssAfterBytes: number[] = [];
    for (let b = 0; b < options.bursts; b++) {
      await warmConnections(server.url, burst);
      const results = await Promise.all(Array.from({ length: burst }, () => streamRun(server.url, model, inputs)));
      for (const r of results) {
        statuses.push(r.status);
        if (r.status === 429) rejectMs.push(r.endMs - r.startMs);
      }
      rssAfterBytes.push(server.rssBytes());
    }
    const serverAlive = (await plainRun(server.url, model, inputs)) === 200;
    return {
      slots: options.slots,
      maxQueue: options.maxQueue,
      burst,
      bursts: options.bursts,
      ok: statuses.filter((s) => s === 200).length,
      rejected: rejectMs.length,
      other: statuses.filter((s) => s !== 200 && s !== 429).length,
      rejectP50Ms: percentile(rejectMs, 50),
      rejectP99Ms: percentile(rejectMs, 99),
      rssBeforeBytes,
      rssAfterBytes,
      serverAlive,
    };
  } finally {
    await server.stop();
  }
}

export const flashPart: BenchPart = {
  name: "flash",
  async run(ctx) {
    const model = ctx.prepare(benchModel("stories260k"));
    const slots = 4;
    ctx.log(`flash crowd: ${slots * 10} requests at once, ${slots} slots, max queue ${slots}`);
    const r = await flashCrowd(ctx.serverFlags, model.catalogId, { slots, maxQueue: slots, bursts: ctx.quick ? 2 : 5, maxTokens: 64 });
    ctx.out.write("flash-crowd", { model: model.name, quantisation: model.quantisation, threads: ctx.threads, mode: ctx.mode, ...r });
    const growth = (r.rssAfterBytes.at(-1) ?? 0) - r.rssBeforeBytes;
    // An absolute time other work stretches: a miss on a machine busier than its cores cannot be pinned on Outpost.
    const loaded = (loadavg()[0] ?? 0) > availableParallelism();
    return [
      table(
        `Flash crowd: ${r.bursts} bursts of ${r.burst} streamed requests at once (10× ${slots} slots, max queue ${r.maxQueue})`,
        ["model", "200", "429", "other", "429 p50 ms", "429 p99 ms", "RSS before", "RSS after each burst", "alive after", "target"],
        [[model.name, String(r.ok), String(r.rejected), String(r.other), fmt(r.rejectP50Ms, 2), fmt(r.rejectP99Ms, 2), mib(r.rssBeforeBytes), r.rssAfterBytes.map(mib).join(", "), String(r.serverAlive), `429 < 50 ms ${r.rejectP99Ms < 50 ? "met" : loaded ? "noisy (load)" : "MISSED"}; RSS ${growth >= 0 ? "+" : ""}${mib(growth)}`]],
      ),
    ];
  },
};
