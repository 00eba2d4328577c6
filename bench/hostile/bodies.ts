/**
 * Issue 14 item 1: many hostile JSON bodies at once. 32 clients each send a 10 MiB body of
 * `[{},{},…]` (cheap to send, costly to parse) to a warm model, while one client keeps sending
 * valid requests and another probes /healthz. The attack starts once the server has settled
 * (model loaded, spare runners done starting): a spare's boot takes a core for most of a
 * second, and beside the first load it would be measured as the attack's delay. Reported:
 * server RSS growth (peak and after),
 * the server's event-loop delay (its own monitorEventLoopDelay via /metrics, reset by the
 * scrape before the attack), /healthz latency as a client sees it, and the valid requests'
 * outcomes.
 */
import { percentile } from "../serving/stats.js";
import { startOutpost } from "../serving/outpost.js";
import { vmRssBytes } from "../serving/proc.js";
import { loop, metrics, send } from "./client.js";
import { sparesReady } from "./spares.js";

export interface HostileBodiesResult {
  bodies: number;
  bodyBytes: number;
  /** Status → count for the hostile requests (0: no answer before the deadline). */
  hostileStatuses: Record<string, number>;
  hostileP50Ms: number;
  hostileMaxMs: number;
  rssBeforeBytes: number;
  rssPeakBytes: number;
  /** Two seconds after the last hostile answer. */
  rssAfterBytes: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  healthzP50Ms: number;
  healthzP99Ms: number;
  healthzMaxMs: number;
  validOk: number;
  validFailed: number;
  serverAlive: boolean;
  /** The spare runners had finished starting before the attack (false: they had not in 30 s). */
  sparesReady: boolean;
}

/** Just under the default 10 MiB body limit, so the size rule alone lets every body in. */
const BODY_BYTES = 10 * 1024 * 1024 - 16;

export function hostileBody(bytes: number): Buffer {
  const count = Math.floor((bytes - 2) / 3);
  return Buffer.from(`[${"{},".repeat(count - 1)}{}]`);
}

export async function hostileBodies(flags: Record<string, string | number>, model: string, options: { bodies: number; deadlineMs: number }): Promise<HostileBodiesResult> {
  const server = await startOutpost(flags);
  const runUrl = `${server.url}/ai/run/${model}`;
  const valid = JSON.stringify({ prompt: "Once upon a time", max_tokens: 8, temperature: 0 });
  try {
    await send(runUrl, { body: valid }); // a warm model: the attack meets a serving server
    const ready = await sparesReady(server, model, 30_000);
    await metrics(server.url, []); // resets the delay histogram
    const body = hostileBody(BODY_BYTES);
    const rssBeforeBytes = vmRssBytes(server.pid);
    let rssPeakBytes = rssBeforeBytes;
    const sampler = setInterval(() => (rssPeakBytes = Math.max(rssPeakBytes, vmRssBytes(server.pid))), 50);
    const healthz = loop(async () => {
      const answer = await send(`${server.url}/healthz`, { deadlineMs: options.deadlineMs });
      await new Promise((r) => setTimeout(r, 20));
      return answer;
    });
    const validRuns = loop(() => send(runUrl, { body: valid, deadlineMs: options.deadlineMs }));
    const hostile = await Promise.all(Array.from({ length: options.bodies }, () => send(runUrl, { body, deadlineMs: options.deadlineMs })));
    const [probes, runs] = await Promise.all([healthz.stop(), validRuns.stop()]);
    const [p99 = Number.NaN, max = Number.NaN] = await metrics(server.url, ["outpost_process_nodejs_eventloop_lag_p99_seconds", "outpost_process_nodejs_eventloop_lag_max_seconds"]);
    await new Promise((r) => setTimeout(r, 2_000));
    clearInterval(sampler);
    const rssAfterBytes = vmRssBytes(server.pid);
    const hostileStatuses: Record<string, number> = {};
    for (const h of hostile) hostileStatuses[h.status] = (hostileStatuses[h.status] ?? 0) + 1;
    const probeMs = probes.map((p) => p.ms);
    return {
      bodies: options.bodies,
      bodyBytes: body.byteLength,
      hostileStatuses,
      hostileP50Ms: percentile(hostile.map((h) => h.ms), 50),
      hostileMaxMs: Math.max(...hostile.map((h) => h.ms)),
      rssBeforeBytes,
      rssPeakBytes,
      rssAfterBytes,
      eventLoopDelayP99Ms: p99 * 1000,
      eventLoopDelayMaxMs: max * 1000,
      healthzP50Ms: percentile(probeMs, 50),
      healthzP99Ms: percentile(probeMs, 99),
      healthzMaxMs: Math.max(...probeMs),
      validOk: runs.filter((r) => r.status === 200).length,
      validFailed: runs.filter((r) => r.status !== 200).length,
      serverAlive: (await send(runUrl, { body: valid, deadlineMs: 30_000 })).status === 200,
      sparesReady: ready,
    };
  } finally {
    await server.stop();
  }
}
