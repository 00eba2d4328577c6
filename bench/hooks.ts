/**
 * The "hooks" part of `npm run bench`: what one plugin exporting all five hooks as no-ops costs,
 * alone and with an AI Gateway in front (cache on, every request a miss that is then stored and
 * logged: issue 17's target). Three servers run side by side, none, the no-op plugin, and the
 * plugin with the request naming a caching gateway, and are asked in turn (never at once), in
 * rounds whose order rotates, so machine noise falls on all alike:
 * - per request: latency of a one-token answer (stories260k, whose generation is ~1 ms, so the
 *   hooks' thread hops are not lost in it), side − none per round;
 * - tokens/s: decode speed of a stream on the 120M model, side / none per round;
 * plus the server process's CPU (all its threads, the plugin's included) per request and per
 * token, which load on the machine disturbs less than time. Medians with 95% intervals
 * (serving/confidence.ts); never asserts.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_ROOT } from "./gguf/models.js";
import { estimate, formatEstimate, formatVerdict } from "./serving/confidence.js";
import { benchModel } from "./serving/models.js";
import { plainRun, startOutpost, streamRun, type OutpostServer } from "./serving/outpost.js";
import type { BenchContext, BenchPart } from "./serving/part.js";
import { fmt, table } from "./serving/report.js";
import { percentile } from "./serving/stats.js";

const NOOP_PLUGIN = `
export function onRequest() {}
export function onToken() {}
export function onResponse() {}
export function onError() {}
export function onUsage() {}
`;

const median = (values: number[]) => percentile(values, 50);

/** Milliseconds one plain request takes, start to last byte. */
async function timed(server: OutpostServer, model: string, inputs: Record<string, unknown>): Promise<number> {
  const started = performance.now();
  const status = await plainRun(server.url, model, inputs);
  if (status !== 200) throw new Error(`${model}: status ${status}`);
  return performance.now() - started;
}

/** Decode tokens/s of one stream: tokens after the first over the time after the first. */
async function decodeRate(server: OutpostServer, model: string, inputs: Record<string, unknown>): Promise<number> {
  const r = await streamRun(server.url, model, inputs);
  const first = r.eventMs[0];
  const last = r.eventMs.at(-1);
  if (r.status !== 200 || first === undefined || last === undefined || last <= first) throw new Error(`${model}: status ${r.status}, ${r.eventMs.length} events`);
  return ((r.eventMs.length - 1) * 1000) / (last - first);
}

/**
 * Each round's order of the sides: shuffled (seeded, the same every run), and never starting
 * with the side the round before ended with. Not reversed every other round: then the first
 * and last sides are asked twice in a row every other round, and a server asked just before
 * answers faster (its threads are awake): with five servers the two at the ends came out up to
 * 0.8 ms faster than the middle ones. Nor rotated: then each side always follows the same
 * other one, which moved the differences by 0.1–0.2 ms.
 */
function roundOrders(sides: number): () => number[] {
  let state = 0x9e3779b9;
  // xorshift32: any fixed sequence will do, it only has to be the same every run.
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  let last = -1;
  return () => {
    for (;;) {
      const order = [...Array(sides).keys()];
      for (let k = sides - 1; k > 0; k--) {
        const j = Math.floor(random() * (k + 1));
        [order[k], order[j]] = [order[j]!, order[k]!];
      }
      if (order[0] === last && sides > 1) continue;
      last = order.at(-1)!;
      return order;
    }
  };
}

/** One trial of each side, back to back, in `order`; results in side order. */
async function round<T>(order: number[], sides: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(sides.length);
  for (const index of order) results[index] = await sides[index]!();
  return results;
}

/** The sides, in table order: no plugin, the no-op plugin, and the plugin behind a caching gateway. */
const SIDES = ["none", "plugin", "plugin + gateway"] as const;
/** The gateway the third side's requests name (`options.gateway`), made in the run's data dir. */
const GATEWAY = "bench-hooks";

async function hooksCost(ctx: BenchContext): Promise<string[]> {
  const { serverFlags: flags, quick, out, log } = ctx;
  const tiny = ctx.prepare(benchModel("stories260k"));
  const big = ctx.prepare(benchModel("gen-120m"));
  const dir = mkdtempSync(join(tmpdir(), "outpost-bench-hooks-"));
  const plugin = join(dir, "noop.mjs");
  writeFileSync(plugin, NOOP_PLUGIN);
  // Every server of the run shares the data dir, so the gateway is one all of them know; only the third side's requests name it.
  const created = spawnSync(process.execPath, [join(BENCH_ROOT, "../bin/outpost.js"), "gateways", "create", GATEWAY, "--cache-ttl", "3600", "--replace", "--data-dir", String(flags["data-dir"])], { encoding: "utf8" });
  if (created.status !== 0) throw new Error(`outpost gateways create: ${created.stderr}`);
  const none = await startOutpost(flags);
  const hooked = await startOutpost({ ...flags, plugin });
  const gated = await startOutpost({ ...flags, plugin });
  const servers = [none, hooked, gated];
  // Each request has its own seed: cacheable, so the gateway keys, looks up, stores and logs it, and never a hit.
  // Workers AI seeds start at 1.
  let seed = 1;
  const inputsFor = (side: number, inputs: Record<string, unknown>) => ({ ...inputs, seed, ...(side === 2 ? { options: { gateway: { id: GATEWAY } } } : {}) });
  const load = () => ({ loadavg1: loadavg()[0] ?? 0, cores: availableParallelism() });
  const cpu = (which: "server" | "runners") => servers.map((server) => server.cpuMs()[which]);
  const rows: string[][] = [];
  const nextOrder = roundOrders(servers.length);
  try {
    const rounds = quick ? 100 : 300;
    log(`hooks: per-request latency, ${rounds} rounds of one-token ${tiny.name} requests`);
    const request = { prompt: "Once upon a time", max_tokens: 1, temperature: 0 };
    const ask = () => round(nextOrder(), servers.map((server, side) => () => timed(server, tiny.catalogId, inputsFor(side, request))));
    for (let i = 0; i < 20; i++, seed++) await ask();
    const cpuBefore = cpu("server");
    const latency = SIDES.map(() => [] as number[]);
    const diff = [[] as number[], [] as number[]];
    for (let i = 0; i < rounds; i++, seed++) {
      const ms = await ask();
      ms.forEach((value, side) => latency[side]!.push(value));
      diff[0]!.push(ms[1]! - ms[0]!);
      diff[1]!.push(ms[2]! - ms[0]!);
    }
    const cpuPerRequestUs = cpu("server").map((ms, side) => ((ms - cpuBefore[side]!) * 1000) / rounds);
    // Evidence the third side went through the gateway: its log has an entry per request, each a miss.
    const logged = async (cached: boolean) => ((await (await fetch(`${gated.url}/api/gateways/${GATEWAY}/logs?per_page=1&cached=${cached}`)).json()) as { result_info: { total_count: number } }).result_info.total_count;
    log(`hooks: the gateway logged ${await logged(false)} misses and ${await logged(true)} hits`);
    const overheads = diff.map((d) => estimate(d));
    const requestLoad = load();
    out.write("hooks-request", { model: tiny.name, pairs: rounds, p50NoneMs: median(latency[0]!), p50PluginMs: median(latency[1]!), p50GatewayMs: median(latency[2]!), overhead: overheads[0], gatewayOverhead: overheads[1], serverCpuUsPerRequest: cpuPerRequestUs, ...requestLoad });
    for (const side of [1, 2]) {
      rows.push([
        `${tiny.name}, 1 token, not streamed`,
        SIDES[side]!,
        "ms / request (p50)",
        fmt(median(latency[0]!), 2),
        fmt(median(latency[side]!), 2),
        formatEstimate(overheads[side - 1]!, "ms"),
        `${fmt(cpuPerRequestUs[0]!, 0)} → ${fmt(cpuPerRequestUs[side]!, 0)}`,
        formatVerdict(overheads[side - 1]!, { atMost: 0.3 }, "≤ +0.3 ms", requestLoad),
      ]);
    }

    const streams = quick ? 8 : 24;
    const maxTokens = quick ? 64 : 128;
    log(`hooks: decode tokens/s, ${streams} rounds of ${maxTokens}-token ${big.name} streams`);
    const decode = (prompt: string, tokens: number) =>
      round(nextOrder(), servers.map((server, side) => () => decodeRate(server, big.catalogId, inputsFor(side, { prompt, max_tokens: tokens, temperature: 0 }))));
    await decode("Once upon a time", 8);
    seed++;
    const before = cpu("server");
    const runnersBefore = cpu("runners");
    const rates = SIDES.map(() => [] as number[]);
    const ratios = [[] as number[], [] as number[]];
    for (let i = 0; i < streams; i++, seed++) {
      const prompt = big.prompts[i % big.prompts.length] ?? "Once upon a time";
      const r = await decode(prompt, maxTokens);
      r.forEach((value, side) => rates[side]!.push(value));
      ratios[0]!.push(r[1]! / r[0]!);
      ratios[1]!.push(r[2]! / r[0]!);
    }
    const tokens = streams * maxTokens;
    const serverUsPerToken = cpu("server").map((ms, side) => ((ms - before[side]!) * 1000) / tokens);
    const runnerUsPerToken = cpu("runners").map((ms, side) => ((ms - runnersBefore[side]!) * 1000) / tokens);
    const estimates = ratios.map((r) => estimate(r));
    const tokenLoad = load();
    out.write("hooks-tokens", { model: big.name, pairs: streams, maxTokens, tokensPerSNone: median(rates[0]!), tokensPerSPlugin: median(rates[1]!), tokensPerSGateway: median(rates[2]!), ratio: estimates[0], gatewayRatio: estimates[1], serverCpuUsPerToken: serverUsPerToken, runnerCpuUsPerToken: runnerUsPerToken, ...tokenLoad });
    for (const side of [1, 2]) {
      rows.push([
        `${big.name}, ${maxTokens} tokens, streamed`,
        SIDES[side]!,
        "decode tok/s (p50)",
        fmt(median(rates[0]!)),
        fmt(median(rates[side]!)),
        formatEstimate(estimates[side - 1]!, "percent"),
        `${fmt(serverUsPerToken[0]!, 0)} → ${fmt(serverUsPerToken[side]!, 0)} (runner ${fmt(runnerUsPerToken[side]!, 0)})`,
        formatVerdict(estimates[side - 1]!, { atLeast: 0.98 }, "≥ 98%", tokenLoad),
      ]);
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
  return [
    table(
      `Plugin hooks: one plugin exporting all five hooks as no-ops, alone and behind a caching gateway (every request a miss), against none; shuffled rounds, median [95% interval]; load ${fmt(loadavg()[0] ?? Number.NaN, 2)} on ${availableParallelism()} cores`,
      ["workload", "side", "measure", "none", "side", "side − none / side ÷ none", "server CPU µs per request / token", "target"],
      rows,
    ),
  ];
}

export const hooksPart: BenchPart = { name: "hooks", run: hooksCost };
