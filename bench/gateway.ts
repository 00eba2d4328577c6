/**
 * The "gateway" part of `npm run bench` (issue 17 item 6): what AI Gateway costs a request.
 * A cache hit's latency over loopback HTTP against the real server (target ≤ 1 ms p50), beside
 * /healthz on the same connection; and the gateway's own cost on a miss (cache key, lookup,
 * store, log entry; target ≤ 0.3 ms p50), measured in-process around an instant run() so that
 * no model time hides it, in interleaved rounds with and without the gateway.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request } from "node:http";
import { openDatabase } from "../src/accounts/index.js";
import type { RunOptions, RunResult } from "../src/contract/index.js";
import { openGateways, parseGatewaySettings, saveGateway } from "../src/gateway/index.js";
import { BENCH_ROOT } from "./gguf/models.js";
import { estimate } from "./serving/confidence.js";
import { benchModel } from "./serving/models.js";
import { startOutpost } from "./serving/outpost.js";
import type { BenchContext, BenchPart } from "./serving/part.js";
import { fmt, table } from "./serving/report.js";
import { percentile } from "./serving/stats.js";

const HIT_TARGET_MS = 1;
const us = (ms: number) => (Number.isFinite(ms) ? `${(ms * 1000).toFixed(1)} µs` : "-");
const MISS_OVERHEAD_TARGET_MS = 0.3;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One request on the kept-alive connection; resolves with its wall time in ms and its cache status. */
function timed(url: string, body?: string): Promise<{ ms: number; cache: string | undefined }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { method: body === undefined ? "GET" : "POST", agent, headers: body === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ ms: performance.now() - started, cache: res.headers["cf-aig-cache-status"] as string | undefined }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Cache hits over HTTP, interleaved with /healthz (the floor of any request on this server). */
async function hitLatency(ctx: BenchContext, rounds: number, perRound: number) {
  const dataDir = mkdtempSync(join(tmpdir(), "outpost-bench-gateway-"));
  const repoRoot = join(BENCH_ROOT, "..");
  spawnSync(process.execPath, [join(repoRoot, "bin/outpost.js"), "gateways", "create", "bench", "--cache-ttl", "3600", "--data-dir", dataDir], { stdio: "ignore" });
  const model = ctx.prepare(benchModel("stories260k")).catalogId;
  const server = await startOutpost({ ...ctx.serverFlags, "data-dir": dataDir });
  try {
    const url = `${server.url}/v1/bench/bench/workers-ai/run/${model}`;
    const body = JSON.stringify({ prompt: "Once upon a time", max_tokens: 16, seed: 1 });
    const primed = await timed(url, body);
    const hits: number[] = [];
    const floor: number[] = [];
    let misses = 0;
    for (let i = 0; i < perRound; i++) await timed(url, body);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < perRound; i++) {
        const hit = await timed(url, body);
        if (hit.cache !== "HIT") misses++;
        hits.push(hit.ms);
        floor.push((await timed(`${server.url}/healthz`)).ms);
      }
    }
    return { model, missMs: primed.ms, hits, floor, misses };
  } finally {
    agent.destroy();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** run() through a gateway with its cache on, every request a miss that is then stored and logged, against run() alone. */
async function missOverhead(rounds: number, perRound: number) {
  const dataDir = mkdtempSync(join(tmpdir(), "outpost-bench-gateway-"));
  const db = openDatabase(dataDir);
  saveGateway(db, parseGatewaySettings("bench", { cacheTtlS: 3600 }), false);
  const { gateways, close } = openGateways({ db: { db }, cacheBytes: 64 * 1024 * 1024, describe: (model) => ({ id: model, task: "text-generation" }), rateOf: () => undefined, log: () => {}, dir: dataDir });
  const value = { response: "Once upon a time there was a little girl", usage: { prompt_tokens: 5, completion_tokens: 10, total_tokens: 15 } };
  const run = async (_model: string, _inputs: unknown, _options?: RunOptions): Promise<RunResult> => ({ kind: "json", value });
  const wrapped = gateways.wrap(run);
  let seed = 0;
  const one = async (through: boolean) => {
    const inputs = { prompt: "Once upon a time", max_tokens: 16, seed: ++seed };
    const started = performance.now();
    await (through ? wrapped("@cf/bench/model", inputs, { account: "bench", gateway: { id: "bench" } }) : run("@cf/bench/model", inputs, { account: "bench" }));
    return performance.now() - started;
  };
  const deltas: number[] = [];
  const direct: number[] = [];
  const via: number[] = [];
  try {
    for (let i = 0; i < perRound; i++) await one(true);
    for (let round = 0; round < rounds; round++) {
      const a: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < perRound; i++) {
        // Alternate which side goes first, so neither always runs on a warmer cache line.
        if (i % 2 === 0) {
          a.push(await one(false));
          b.push(await one(true));
        } else {
          b.push(await one(true));
          a.push(await one(false));
        }
      }
      direct.push(...a);
      via.push(...b);
      deltas.push(percentile(b, 50) - percentile(a, 50));
    }
  } finally {
    close();
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { direct, via, deltas };
}

export const gatewayPart: BenchPart = {
  name: "gateway",
  async run(ctx) {
    const rounds = ctx.quick ? 6 : 12;
    const perRound = ctx.quick ? 100 : 300;
    const load = loadavg()[0]!;
    ctx.log("gateway: cache hits over loopback HTTP, interleaved with /healthz");
    const hit = await hitLatency(ctx, rounds, perRound);
    ctx.log("gateway: its cost on a miss, in-process, interleaved with and without it");
    const miss = await missOverhead(rounds, perRound * 10);
    const hitP50 = percentile(hit.hits, 50);
    const overhead = estimate(miss.deltas);
    ctx.out.write("gateway", {
      model: hit.model,
      hitP50Ms: hitP50,
      hitP99Ms: percentile(hit.hits, 99),
      healthzP50Ms: percentile(hit.floor, 50),
      firstMissMs: hit.missMs,
      hitsNotHit: hit.misses,
      missOverheadP50Ms: overhead.median,
      missOverheadLowMs: overhead.low,
      missOverheadHighMs: overhead.high,
      directP50Ms: percentile(miss.direct, 50),
      gatewayP50Ms: percentile(miss.via, 50),
      loadavg1: load,
      cores: availableParallelism(),
    });
    return [
      table(
        `AI Gateway: ${rounds} interleaved rounds; load ${fmt(load, 2)} on ${availableParallelism()} cores`,
        ["measure", "p50 ms", "p99 ms", "spread", "beside", "target"],
        [
          ["cache hit, HTTP loopback", fmt(hitP50, 3), fmt(percentile(hit.hits, 99), 3), `${hit.hits.length} hits (${hit.misses} not HIT)`, `/healthz ${fmt(percentile(hit.floor, 50), 3)}; first miss ${fmt(hit.missMs, 1)}`, `≤ ${HIT_TARGET_MS} ms ${hitP50 <= HIT_TARGET_MS ? "met" : "MISSED"}`],
          [
            "gateway cost on a miss (cache on, in-process)",
            fmt(overhead.median, 4),
            "-",
            `${overhead.n} rounds, median ${us(overhead.median)} [95% CI ${us(overhead.low)}, ${us(overhead.high)}]`,
            `run() alone ${fmt(percentile(miss.direct, 50), 4)}, through the gateway ${fmt(percentile(miss.via, 50), 4)}`,
            `≤ ${MISS_OVERHEAD_TARGET_MS} ms ${overhead.high <= MISS_OVERHEAD_TARGET_MS ? "met" : overhead.median <= MISS_OVERHEAD_TARGET_MS ? "noisy" : "MISSED"}`,
          ],
        ],
      ),
    ];
  },
};
