/**
 * The "hooks" part of `npm run bench`: what one plugin exporting all five hooks as no-ops costs.
 * Two servers run side by side, one without plugins and one with the no-op plugin, and are
 * asked in turn (never at once), in pairs whose order alternates, so machine noise falls on
 * both alike:
 * - per request: latency of a one-token answer (stories260k, whose generation is ~1 ms, so the
 *   hooks' thread hops are not lost in it), plugin − none per pair;
 * - tokens/s: decode speed of a stream on the 120M model, plugin / none per pair;
 * plus the server process's CPU (all its threads, the plugin's included) per request and per
 * token, which load on the machine disturbs less than time. Medians with 95% intervals
 * (serving/confidence.ts); never asserts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
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
async function decodeRate(server: OutpostServer, model: string, prompt: string, maxTokens: number): Promise<number> {
  const r = await streamRun(server.url, model, { prompt, max_tokens: maxTokens, temperature: 0 });
  const first = r.eventMs[0];
  const last = r.eventMs.at(-1);
  if (r.status !== 200 || first === undefined || last === undefined || last <= first) throw new Error(`${model}: status ${r.status}, ${r.eventMs.length} events`);
  return ((r.eventMs.length - 1) * 1000) / (last - first);
}

/** One trial of each side, back to back, the order alternating by `i`; returns [none, plugin]. */
async function pair<T>(i: number, none: () => Promise<T>, plugin: () => Promise<T>): Promise<[T, T]> {
  if (i % 2 === 0) {
    const a = await none();
    return [a, await plugin()];
  }
  const b = await plugin();
  return [await none(), b];
}

async function hooksCost(ctx: BenchContext): Promise<string[]> {
  const { serverFlags: flags, quick, out, log } = ctx;
  const tiny = ctx.prepare(benchModel("stories260k"));
  const big = ctx.prepare(benchModel("gen-120m"));
  const dir = mkdtempSync(join(tmpdir(), "outpost-bench-hooks-"));
  const plugin = join(dir, "noop.mjs");
  writeFileSync(plugin, NOOP_PLUGIN);
  const none = await startOutpost(flags);
  const hooked = await startOutpost({ ...flags, plugin });
  const load = () => ({ loadavg1: loadavg()[0] ?? 0, cores: availableParallelism() });
  const rows: string[][] = [];
  try {
    const pairs = quick ? 100 : 300;
    log(`hooks: per-request latency, ${pairs} pairs of one-token ${tiny.name} requests`);
    const request = { prompt: "Once upon a time", max_tokens: 1, temperature: 0 };
    for (let i = 0; i < 20; i++) await pair(i, () => timed(none, tiny.catalogId, request), () => timed(hooked, tiny.catalogId, request));
    const cpuBefore = [none.cpuMs().server, hooked.cpuMs().server];
    const latency = { none: [] as number[], plugin: [] as number[], diff: [] as number[] };
    for (let i = 0; i < pairs; i++) {
      const [a, b] = await pair(i, () => timed(none, tiny.catalogId, request), () => timed(hooked, tiny.catalogId, request));
      latency.none.push(a);
      latency.plugin.push(b);
      latency.diff.push(b - a);
    }
    const cpuPerRequestUs = [none.cpuMs().server - cpuBefore[0]!, hooked.cpuMs().server - cpuBefore[1]!].map((ms) => (ms * 1000) / pairs);
    const overhead = estimate(latency.diff);
    const requestLoad = load();
    out.write("hooks-request", { model: tiny.name, pairs, p50NoneMs: median(latency.none), p50PluginMs: median(latency.plugin), overhead, serverCpuUsPerRequest: cpuPerRequestUs, ...requestLoad });
    rows.push([
      `${tiny.name}, 1 token, not streamed`,
      "ms / request (p50)",
      fmt(median(latency.none), 2),
      fmt(median(latency.plugin), 2),
      formatEstimate(overhead, "ms"),
      `${fmt(cpuPerRequestUs[0]!, 0)} → ${fmt(cpuPerRequestUs[1]!, 0)}`,
      formatVerdict(overhead, { atMost: 0.3 }, "≤ +0.3 ms", requestLoad),
    ]);

    const streams = quick ? 8 : 24;
    const maxTokens = quick ? 64 : 128;
    log(`hooks: decode tokens/s, ${streams} pairs of ${maxTokens}-token ${big.name} streams`);
    await pair(0, () => decodeRate(none, big.catalogId, "Once upon a time", 8), () => decodeRate(hooked, big.catalogId, "Once upon a time", 8));
    const before = [none.cpuMs().server, hooked.cpuMs().server];
    const runnersBefore = [none.cpuMs().runners, hooked.cpuMs().runners];
    const rates = { none: [] as number[], plugin: [] as number[], ratio: [] as number[] };
    for (let i = 0; i < streams; i++) {
      const prompt = big.prompts[i % big.prompts.length] ?? "Once upon a time";
      const [a, b] = await pair(i, () => decodeRate(none, big.catalogId, prompt, maxTokens), () => decodeRate(hooked, big.catalogId, prompt, maxTokens));
      rates.none.push(a);
      rates.plugin.push(b);
      rates.ratio.push(b / a);
    }
    const tokens = streams * maxTokens;
    const serverUsPerToken = [none.cpuMs().server - before[0]!, hooked.cpuMs().server - before[1]!].map((ms) => (ms * 1000) / tokens);
    const runnerUsPerToken = [none.cpuMs().runners - runnersBefore[0]!, hooked.cpuMs().runners - runnersBefore[1]!].map((ms) => (ms * 1000) / tokens);
    const ratio = estimate(rates.ratio);
    const tokenLoad = load();
    out.write("hooks-tokens", { model: big.name, pairs: streams, maxTokens, tokensPerSNone: median(rates.none), tokensPerSPlugin: median(rates.plugin), ratio, serverCpuUsPerToken: serverUsPerToken, runnerCpuUsPerToken: runnerUsPerToken, ...tokenLoad });
    rows.push([
      `${big.name}, ${maxTokens} tokens, streamed`,
      "decode tok/s (p50)",
      fmt(median(rates.none)),
      fmt(median(rates.plugin)),
      formatEstimate(ratio, "percent"),
      `${fmt(serverUsPerToken[0]!, 0)} → ${fmt(serverUsPerToken[1]!, 0)} (runner ${fmt(runnerUsPerToken[1]!, 0)})`,
      formatVerdict(ratio, { atLeast: 0.98 }, "≥ 98%", tokenLoad),
    ]);
  } finally {
    await Promise.all([none.stop(), hooked.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
  return [
    table(
      `Plugin hooks: one plugin exporting all five hooks as no-ops against none; alternating pairs, median [95% interval]; load ${fmt(loadavg()[0] ?? Number.NaN, 2)} on ${availableParallelism()} cores`,
      ["workload", "measure", "no plugin", "no-op plugin", "plugin − none / plugin ÷ none", "server CPU µs per request / token", "target"],
      rows,
    ),
  ];
}

export const hooksPart: BenchPart = { name: "hooks", run: hooksCost };
