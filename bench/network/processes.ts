import { SETTINGS } from "../../src/config/index.js";
import { connectBus } from "../../src/network/index.js";
import { startNats } from "../../test/helpers/nats.js";
import { postJson, STORIES } from "../../test/helpers/server.js";
import { LIS, MAD, PAR, startNode, view, waitFor, waitForMembers, type TestNode } from "../../test/network/harness.js";

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

async function timed(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ ms: number; city: string | null; status: number }> {
  const started = performance.now();
  const response = await postJson(url, body, headers);
  await response.arrayBuffer();
  return { ms: performance.now() - started, city: response.headers.get("x-outpost-city"), status: response.status };
}

/**
 * Added latency of one routed hop on loopback: the same one-token request sent to lis (served
 * there) and to par (no models: routed over NATS to lis), interleaved so both see the same
 * machine load, and beside them a bare NATS request/reply between two other connections of
 * the same server: the floor a routed hop cannot go under.
 */
export async function routedLatency(samples: number) {
  const nats = await startNats({ eu: 1 });
  const [lis, par] = await Promise.all([startNode(LIS, nats.urls("eu"), { flags: { slots: "2" } }), startNode(PAR, nats.urls("eu"), { models: false })]);
  const [echo, asker] = await Promise.all([connectBus([nats.urls("eu")], "bench-echo"), connectBus([nats.urls("eu")], "bench-asker")]);
  echo.subscribe("bench.echo", { callback: (_err, msg) => msg.respond(msg.data) });
  await echo.flush();
  const ping = new TextEncoder().encode(JSON.stringify({ prompt: "Once", max_tokens: 1 }));
  try {
    await waitForMembers(par, ["lis-1"]);
    const body = { prompt: "Once", max_tokens: 1, seed: 1 };
    const local: number[] = [];
    const routed: number[] = [];
    const bare: number[] = [];
    const added: number[] = [];
    for (let i = 0; i < samples + 20; i += 1) {
      const a = await timed(`${lis.url}/ai/run/${STORIES}`, body);
      const b = await timed(`${par.url}/ai/run/${STORIES}`, body);
      const started = performance.now();
      await asker.request("bench.echo", ping, { timeout: 5_000 });
      const c = performance.now() - started;
      if (a.city !== "lis" || b.city !== "lis") throw new Error(`unexpected placement ${a.city} / ${b.city}`);
      if (i < 20) continue;
      local.push(a.ms);
      routed.push(b.ms);
      bare.push(c);
      added.push(b.ms - a.ms);
    }
    const summary = (values: number[]) => ({ p50: round(percentile(values, 50)), p99: round(percentile(values, 99)) });
    return {
      samples,
      localMs: summary(local),
      routedMs: summary(routed),
      bareNatsMs: summary(bare),
      addedMs: { p50: round(percentile(routed, 50) - percentile(local, 50)), p99: round(percentile(routed, 99) - percentile(local, 99)) },
      /** Per pair (routed minus the local request just before it), so one slow moment counts once. */
      pairedAddedMs: summary(added),
      /** The added time beyond a bare request/reply: what Outpost's own hop costs. */
      addedOverBareMs: round(percentile(routed, 50) - percentile(local, 50) - percentile(bare, 50)),
    };
  } finally {
    await Promise.all([echo.close(), asker.close()]);
    await Promise.all([lis.stop(), par.stop()]);
    await nats.stop();
  }
}

/**
 * Failover before the first token: par routes to mad (nearest); mad is killed (SIGKILL) or
 * frozen (SIGSTOP) and a request is sent at once. Time from the signal to the answer served by
 * lis, against the same request's time when nothing fails.
 */
export async function failover(rounds: number) {
  const nats = await startNats({ eu: 1 });
  const eu = nats.urls("eu");
  const startMad = () => startNode(MAD, eu);
  let mad: TestNode = await startMad();
  // par routes with the accept deadline users get, which is what a frozen mad costs.
  const acceptTimeoutMs = String(SETTINGS.acceptTimeoutMs.default());
  const [lis, par] = await Promise.all([startNode(LIS, eu), startNode(PAR, eu, { models: false, flags: { "accept-timeout-ms": acceptTimeoutMs } })]);
  const body = { prompt: "Once", max_tokens: 1, seed: 1 };
  const url = `${par.url}/ai/run/${STORIES}`;
  /** Loads the model on mad (a loaded node beats one that could load it), then waits for par to prefer it. */
  const toMad = async () => {
    await waitFor("mad to serve", async () => (await timed(url, body, { "x-outpost-residency": "city:mad" })).status === 200, 20_000);
    await waitFor("par to route to mad", async () => (await timed(url, body)).city === "mad", 20_000);
  };
  try {
    await waitForMembers(par, ["lis-1", "mad-1"]);
    await timed(url, body, { "x-outpost-residency": "city:lis" });
    await toMad();
    const baseline: number[] = [];
    for (let i = 0; i < 20; i += 1) baseline.push((await timed(url, body)).ms);
    const results: Record<"SIGKILL" | "SIGSTOP", number[]> = { SIGKILL: [], SIGSTOP: [] };
    for (const signal of ["SIGKILL", "SIGSTOP"] as const) {
      for (let i = 0; i < rounds; i += 1) {
        // par counts its own last request on mad until mad's next advert: let one arrive, so par
        // believes mad free and really tries it.
        await new Promise((resolve) => setTimeout(resolve, 1_200));
        const started = performance.now();
        mad.process.kill(signal);
        const answer = await timed(url, body);
        if (answer.status !== 200 || answer.city !== "lis") throw new Error(`failover answer ${answer.status} from ${answer.city}`);
        results[signal].push(performance.now() - started);
        if (signal === "SIGKILL") {
          await mad.stop();
          mad = await startMad();
        } else {
          mad.process.kill("SIGCONT");
        }
        await waitFor("mad back", async () => (await view(par)).nodes.some((n) => n.node === "mad-1" && n.health === "ok"), 20_000);
        await toMad();
      }
    }
    const summary = (values: number[]) => ({ rounds: values.length, medianMs: round(percentile(values, 50)), maxMs: round(Math.max(...values)) });
    return { baselineMs: round(percentile(baseline, 50)), sigkill: summary(results.SIGKILL), sigstop: summary(results.SIGSTOP) };
  } finally {
    mad.process.kill("SIGCONT");
    await Promise.all([lis.stop(), mad.stop(), par.stop()]);
    await nats.stop();
  }
}
