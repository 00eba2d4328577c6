/**
 * Issue 14 item 8: what a refused request costs the server, beside what GET /healthz costs.
 * The model's one slot is held by a streamed request whose runner is then stopped (SIGSTOP),
 * so it holds the slot without using CPU; with `--max-queue 0` every further run request is
 * refused with 429. Rounds of N rejected run requests and N /healthz requests alternate, each
 * over the same kept-alive connections; the server's CPU time per request is the cost, from
 * each of its threads' schedstat (nanoseconds: a request costs tens of µs, a 10 ms tick hundreds).
 */
import { request } from "node:http";
import { estimate, type Estimate } from "../serving/confidence.js";
import { percentile } from "../serving/stats.js";
import { startOutpost } from "../serving/outpost.js";
import { cpuUsOf, descendants } from "../serving/proc.js";
import { Agent, send, type Answer } from "./client.js";

export interface RejectCostResult {
  requestsPerRound: number;
  rounds: number;
  concurrency: number;
  /** Server CPU per request, µs, one value per round. */
  rejectCpuUs: number[];
  healthzCpuUs: number[];
  /** Reject cost over /healthz cost per round (the two run back to back), median and 95 % interval. */
  ratio: Estimate;
  rejectP50Ms: number;
  rejectP99Ms: number;
  healthzP50Ms: number;
  healthzP99Ms: number;
  /** Share of the run requests answered 429 (anything else means the slot was not held). */
  rejectedShare: number;
}

async function round(url: string, body: string | undefined, count: number, concurrency: number, agent: Agent, pid: number): Promise<{ cpuUs: number; answers: Answer[] }> {
  const answers: Answer[] = [];
  let next = 0;
  const before = cpuUsOf(pid);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) answers.push(await send(url, { body, agent, deadlineMs: 30_000 }));
    }),
  );
  return { cpuUs: (cpuUsOf(pid) - before) / count, answers };
}

export async function rejectCost(flags: Record<string, string | number>, model: string, options: { requests: number; rounds: number; concurrency: number }): Promise<RejectCostResult> {
  // No heartbeat deadline: the stopped runner must go on holding the slot however long the rounds take.
  const server = await startOutpost({ ...flags, slots: 1, "max-queue": 0, "runner-heartbeat-timeout-ms": 0 });
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const runUrl = `${server.url}/ai/run/${model}`;
  const body = JSON.stringify({ prompt: "Once upon a time", max_tokens: 8, temperature: 0 });
  let holder: ReturnType<typeof request> | undefined;
  let stopped: number[] = [];
  try {
    await send(runUrl, { body });
    // Hold the slot: a long stream, its runner frozen once the answer has started.
    await new Promise<void>((resolve, reject) => {
      const hold = JSON.stringify({ prompt: "Once upon a time", max_tokens: 100_000, stream: true });
      holder = request(runUrl, { method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(hold) } }, (res) => {
        stopped = descendants(server.pid);
        for (const pid of stopped) process.kill(pid, "SIGSTOP");
        res.on("data", () => undefined);
        resolve();
      });
      holder.on("error", reject);
      holder.end(hold);
    });
    const rejectCpuUs: number[] = [];
    const healthzCpuUs: number[] = [];
    const rejectMs: number[] = [];
    const healthzMs: number[] = [];
    let runs = 0;
    let rejected = 0;
    await round(`${server.url}/healthz`, undefined, options.concurrency * 4, options.concurrency, agent, server.pid); // open the connections
    for (let r = 0; r < options.rounds; r++) {
      const order = r % 2 === 0 ? (["reject", "healthz"] as const) : (["healthz", "reject"] as const);
      for (const kind of order) {
        const result = kind === "reject" ? await round(runUrl, body, options.requests, options.concurrency, agent, server.pid) : await round(`${server.url}/healthz`, undefined, options.requests, options.concurrency, agent, server.pid);
        (kind === "reject" ? rejectCpuUs : healthzCpuUs).push(result.cpuUs);
        (kind === "reject" ? rejectMs : healthzMs).push(...result.answers.map((a) => a.ms));
        if (kind === "reject") {
          runs += result.answers.length;
          rejected += result.answers.filter((a) => a.status === 429).length;
        }
      }
    }
    return {
      requestsPerRound: options.requests,
      rounds: options.rounds,
      concurrency: options.concurrency,
      rejectCpuUs,
      healthzCpuUs,
      ratio: estimate(rejectCpuUs.map((us, i) => us / (healthzCpuUs[i] ?? Number.NaN))),
      rejectP50Ms: percentile(rejectMs, 50),
      rejectP99Ms: percentile(rejectMs, 99),
      healthzP50Ms: percentile(healthzMs, 50),
      healthzP99Ms: percentile(healthzMs, 99),
      rejectedShare: rejected / runs,
    };
  } finally {
    for (const pid of stopped) {
      try {
        process.kill(pid, "SIGCONT");
      } catch {
        // the runner is already gone
      }
    }
    holder?.destroy();
    agent.destroy();
    await server.stop();
  }
}
