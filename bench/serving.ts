/**
 * Serving benchmark: Outpost over HTTP against node-llama-cpp in-process (the raw engine) on
 * the same models, threads and workload, at several concurrencies, with the layers between
 * them (serving/sides.ts); a llama.cpp thread sweep; a flash crowd; crash recovery. Prints
 * tables and writes JSON lines to bench/out/. Reports, never asserts. Usage: bench/README.md.
 */
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { BENCH_ROOT, SHARED_MODELS } from "./gguf/models.js";
import { hostile } from "./hostile/index.js";
import { BENCH_MODELS, type BenchModel } from "./serving/models.js";
import { addCustomModel, closeClient } from "./serving/outpost.js";
import { environmentTags, fmt, JsonLines, mib, pct, table } from "./serving/report.js";
import { grammarCost } from "./serving/grammar.js";
import { imageCost, standinImageModels } from "./serving/images.js";
import { speechCost } from "./serving/speech.js";
import { ttsCost } from "./serving/tts.js";
import { crashRecovery, flashCrowd } from "./serving/scenarios.js";
import { runSide, SIDES, type Side, type SideRun, type Workload } from "./serving/sides.js";
import { percentile, sameTextShare, summarise, type Summary } from "./serving/stats.js";

const REPO_ROOT = resolve(BENCH_ROOT, "..");
const PARTS = ["serving", "sweep", "flash", "crash", "hostile", "grammar", "images", "speech", "tts"] as const;

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    models: { type: "string", default: BENCH_MODELS.map((m) => m.name).join(",") },
    concurrency: { type: "string", default: "1,4,8,16" },
    // Outpost's own default rule (src/config: cores - 1, at least 1), so every side matches it.
    threads: { type: "string", default: String(Math.max(1, availableParallelism() - 1)) },
    sides: { type: "string", default: SIDES.join(",") },
    "sweep-threads": { type: "string", default: "1,2" },
    "sweep-concurrency": { type: "string", default: "1,8" },
    repeats: { type: "string" },
    parts: { type: "string", default: PARTS.join(",") },
    "image-sizes": { type: "string", default: "256,512,1024" },
    "image-steps": { type: "string", default: "4" },
    "speech-sentences": { type: "string", default: "1,4" },
  },
});
const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
const ints = (s: string) => list(s).map(Number);
const mode = values.quick ? "quick" : "full";
const threads = Number(values.threads);
// Best of `repeats` per side, alternating the order of sides so drift in machine load hits all alike.
const repeats = Number(values.repeats ?? (values.quick ? 1 : 2));
const parts = new Set(list(values.parts));
const sides = list(values.sides).filter((s): s is Side => (SIDES as readonly string[]).includes(s));
const models = list(values.models).map((name) => {
  const model = BENCH_MODELS.find((m) => m.name === name);
  if (!model) throw new Error(`unknown model '${name}'; known: ${BENCH_MODELS.map((m) => m.name).join(", ")}`);
  return model;
});

const tags = environmentTags(REPO_ROOT);
const out = new JsonLines(join(BENCH_ROOT, "out"), tags);
const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Outpost finds weights by file name in its mirror (a temp dir of links to the bench models);
 * generated models are registered once in a data dir every server of this run shares.
 */
const mirrorDir = mkdtempSync(join(tmpdir(), "outpost-bench-mirror-"));
const dataDir = mkdtempSync(join(tmpdir(), "outpost-bench-data-"));
const serverFlags = { threads, "model-mirror": mirrorDir, "data-dir": dataDir, "keep-alive-ms": 600_000 };
function prepare(model: BenchModel): void {
  const link = join(mirrorDir, model.fileName);
  if (existsSync(link)) return;
  symlinkSync(model.path(), link);
  if (model.custom) addCustomModel(REPO_ROOT, dataDir, model.catalogId, model.path(), model.contextTokens);
}

function workloadFor(model: BenchModel, concurrency: number): Workload {
  const maxTokens = model.maxTokens[mode];
  return { maxTokens, rounds: Math.max(1, Math.ceil(model.runTokens[mode] / (concurrency * maxTokens))) };
}

interface Measured {
  summary: Summary;
  run: SideRun;
  /** CPU of every process involved, per completion token, µs. */
  cpuUsPerToken: number;
  /** Share of the machine's CPU capacity other work used during the run: above a few % the numbers are suspect. */
  otherLoad: number;
}

function measure(run: SideRun): Measured {
  const summary = summarise(run.results);
  const cpu = Object.values(run.cpuMs).reduce((a, b) => a + b, 0);
  const otherLoad = Math.max(0, run.machineBusyMs - cpu) / (availableParallelism() * run.wallMs);
  return { summary, run, cpuUsPerToken: (cpu * 1000) / summary.tokens, otherLoad };
}

const sideRows: string[][] = [];
const ratioRows: string[][] = [];
const sweepRows: string[][] = [];
const tablesOut: string[] = [];

for (const model of models) {
  prepare(model);
  const base = { model: model.name, catalogId: model.catalogId, quantisation: model.quantisation, mode };
  if (parts.has("serving")) {
    for (const concurrency of ints(values.concurrency)) {
      const workload = workloadFor(model, concurrency);
      const runs = new Map<Side, Measured[]>(sides.map((side) => [side, []]));
      for (let r = 0; r < repeats; r++) {
        for (const side of r % 2 === 0 ? sides : [...sides].reverse()) {
          log(`${model.name} c=${concurrency} ${side} (${workload.rounds} × ${concurrency} requests × ${workload.maxTokens} tokens, ${threads} threads)`);
          runs.get(side)?.push(measure(await runSide(side, { model, concurrency, threads, workload, serverFlags })));
        }
      }
      const best = new Map([...runs].map(([side, all]) => [side, all.sort((a, b) => b.summary.aggregateTokensPerS - a.summary.aggregateTokensPerS)[0]!]));
      const raw = best.get("raw");
      for (const [side, m] of best) {
        const s = m.summary;
        out.write("run", { ...base, threads, concurrency, ...workload, repeats, side, ...s, cpuMs: m.run.cpuMs, cpuUsPerToken: m.cpuUsPerToken, otherLoad: m.otherLoad });
        const cpu = Object.entries(m.run.cpuMs).map(([k, v]) => `${k} ${fmt((v * 1000) / s.tokens, 0)}`).join(", ");
        sideRows.push([model.name, String(concurrency), side, fmt(s.aggregateTokensPerS), fmt(s.perStreamTokensPerS), fmt(s.ttftP50Ms, 2), fmt(s.ttftP99Ms, 2), fmt(s.itlP50Ms, 2), fmt(s.itlP99Ms, 2), pct(s.rejectedShare), pct(s.failedShare), `${fmt(m.cpuUsPerToken, 0)} (${cpu})`, pct(m.otherLoad)]);
        if (!raw || side === "raw") continue;
        const ratio = {
          aggregate: s.aggregateTokensPerS / raw.summary.aggregateTokensPerS,
          perStream: s.perStreamTokensPerS / raw.summary.perStreamTokensPerS,
          ttftOverheadP50Ms: s.ttftP50Ms - raw.summary.ttftP50Ms,
          itlOverheadP50Ms: s.itlP50Ms - raw.summary.itlP50Ms,
          sameText: sameTextShare(m.run.results, raw.run.results),
        };
        out.write("ratio", { ...base, threads, concurrency, side, against: "raw", ...ratio });
        const target =
          side !== "outpost" ? "" : concurrency === 1 ? `agg ≥ 97% ${ratio.aggregate >= 0.97 ? "met" : "MISSED"}; TTFT ≤ +3 ms ${ratio.ttftOverheadP50Ms <= 3 ? "met" : "MISSED"}` : concurrency === 8 ? `agg ≥ 95% ${ratio.aggregate >= 0.95 ? "met" : "MISSED"}` : "";
        ratioRows.push([model.name, String(concurrency), `${side}/raw`, pct(ratio.aggregate), pct(ratio.perStream), fmt(ratio.ttftOverheadP50Ms, 2), fmt(ratio.itlOverheadP50Ms, 3), pct(ratio.sameText), target]);
      }
    }
  }
  if (parts.has("sweep")) {
    for (const concurrency of ints(values["sweep-concurrency"])) {
      for (const sweepThreads of ints(values["sweep-threads"])) {
        const workload = workloadFor(model, concurrency);
        log(`${model.name} thread sweep: ${sweepThreads} threads, c=${concurrency}`);
        const m = measure(await runSide("raw", { model, concurrency, threads: sweepThreads, workload, serverFlags }));
        out.write("thread-sweep", { ...base, threads: sweepThreads, concurrency, ...workload, side: "raw", ...m.summary, cpuUsPerToken: m.cpuUsPerToken, otherLoad: m.otherLoad });
        sweepRows.push([model.name, String(concurrency), String(sweepThreads), fmt(m.summary.aggregateTokensPerS), fmt(m.summary.perStreamTokensPerS), fmt(m.summary.ttftP50Ms, 2), fmt(m.summary.itlP50Ms, 2), fmt(m.cpuUsPerToken, 0), pct(m.otherLoad)]);
      }
    }
  }
}

const tables: [string, string[], string[][]][] = [
  [`Serving: ${threads} llama.cpp thread(s), greedy, best of ${repeats}; times in ms`, ["model", "c", "side", "agg tok/s", "stream tok/s", "TTFT p50", "TTFT p99", "ITL p50", "ITL p99", "429", "failed", "CPU µs/token (by process)", "other load"], sideRows],
  ["Against the raw engine (TTFT and ITL as differences)", ["model", "c", "layer", "agg", "per-stream", "TTFT +ms", "ITL +ms", "same text", "target"], ratioRows],
  ["Thread sweep (raw engine)", ["model", "c", "threads", "agg tok/s", "stream tok/s", "TTFT p50", "ITL p50", "CPU µs/token", "other load"], sweepRows],
];
for (const [title, header, rows] of tables) if (rows.length > 0) tablesOut.push(table(title, header, rows));

const flashModel = BENCH_MODELS.find((m) => m.name === "stories260k")!;
if (parts.has("flash")) {
  prepare(flashModel);
  const slots = 4;
  log(`flash crowd: ${slots * 10} requests at once, ${slots} slots, max queue ${slots}`);
  const r = await flashCrowd(serverFlags, flashModel.catalogId, { slots, maxQueue: slots, bursts: values.quick ? 2 : 5, maxTokens: 64 });
  out.write("flash-crowd", { model: flashModel.name, quantisation: flashModel.quantisation, threads, mode, ...r });
  const growth = (r.rssAfterBytes.at(-1) ?? 0) - r.rssBeforeBytes;
  tablesOut.push(
    table(
      `Flash crowd: ${r.bursts} bursts of ${r.burst} streamed requests at once (10× ${slots} slots, max queue ${r.maxQueue})`,
      ["model", "200", "429", "other", "429 p50 ms", "429 p99 ms", "RSS before", "RSS after each burst", "alive after", "target"],
      [[flashModel.name, String(r.ok), String(r.rejected), String(r.other), fmt(r.rejectP50Ms, 2), fmt(r.rejectP99Ms, 2), mib(r.rssBeforeBytes), r.rssAfterBytes.map(mib).join(", "), String(r.serverAlive), `429 < 50 ms ${r.rejectP99Ms < 50 ? "met" : "MISSED"}; RSS ${growth >= 0 ? "+" : ""}${mib(growth)}`]],
    ),
  );
}

const crashModel = BENCH_MODELS.find((m) => m.name === "tinystories-656k")!;
if (parts.has("crash")) {
  prepare(crashModel);
  const crashes = values.quick ? 2 : 4;
  log(`crash recovery: ${crashes} crashes in a row`);
  const results = await crashRecovery(serverFlags, crashModel.catalogId, crashes);
  for (const [i, r] of results.entries()) out.write("crash-recovery", { model: crashModel.name, quantisation: crashModel.quantisation, threads, mode, crash: i + 1, ...r });
  tablesOut.push(
    table(
      "Crash recovery: a '#' prompt aborts llama.cpp in the runner; time from that answer until a valid request succeeds",
      ["model", "crash #", "crash status", "recovery ms", "target < 2000 ms"],
      results.map((r, i) => [crashModel.name, String(i + 1), String(r.crashStatus), r.recoveryMs === null ? "none in 30 s" : fmt(r.recoveryMs, 0), r.recoveryMs !== null && r.recoveryMs < 2000 ? "met" : "MISSED"]),
    ),
  );
}

if (parts.has("hostile")) {
  prepare(flashModel);
  tablesOut.push(...(await hostile(serverFlags, flashModel.catalogId, values.quick, out, log)));
}

const grammarModel = BENCH_MODELS.find((m) => m.name === "gen-120m")!;
if (parts.has("grammar")) {
  prepare(grammarModel);
  log(`grammar cost: ${grammarModel.name}, a 10-field schema against none, raw engine and Outpost, interleaved`);
  // Room for the whole 10-field value: a cut-off one would be an error, not a measurement.
  const rows = await grammarCost(grammarModel, threads, serverFlags, values.quick ? 4 : 12, 256);
  const base = (variant: string) => rows.find((r) => r.variant === variant)?.decodeP50 ?? Number.NaN;
  for (const row of rows) out.write("grammar", { model: grammarModel.name, quantisation: grammarModel.quantisation, threads, mode, ...row });
  tablesOut.push(
    table(
      `Grammar cost: ${grammarModel.name}, one stream, greedy; decode tokens/s per request (p50, min–max over ${rows[0]?.requests ?? 0})`,
      ["variant", "requests", "failed", "tokens", "tok/s p50", "min–max", "vs unconstrained", "target"],
      rows.map((r) => {
        const ratio = r.variant.endsWith("+grammar") ? r.decodeP50 / base(r.variant.replace("+grammar", "")) : Number.NaN;
        const target = r.variant === "outpost+grammar" ? `≥ 85% ${ratio >= 0.85 ? "met" : "MISSED"}` : "";
        return [r.variant, String(r.requests), String(r.failed), String(r.tokens), fmt(r.decodeP50), `${fmt(r.decodeMin)}–${fmt(r.decodeMax)}`, Number.isNaN(ratio) ? "" : pct(ratio), target];
      }),
    ),
  );
}

if (parts.has("images")) {
  const steps = Number(values["image-steps"]);
  const imageRepeats = values.quick ? 3 : 8;
  const rows: string[][] = [];
  for (const model of standinImageModels(SHARED_MODELS)) {
    for (const r of await imageCost(model, threads, ints(values["image-sizes"]), steps, imageRepeats, log)) {
      const med = (xs: number[]) => percentile(xs, 50);
      out.write("text-to-image", { ...r, threads, mode, directMedianS: med(r.directS), outpostMedianS: med(r.outpostS), ratioMedian: med(r.ratios) });
      const ratio = med(r.ratios);
      rows.push([r.model, `${r.size}²`, String(r.steps), fmt(med(r.directS), 3), fmt(med(r.outpostS), 3), fmt((med(r.outpostS) * 1000) / r.steps, 0), pct(ratio), `${pct(Math.min(...r.ratios))}–${pct(Math.max(...r.ratios))}`, r.sameBytes ? "yes" : "NO", `≥ 95% ${ratio >= 0.95 ? "met" : "MISSED"}`]);
    }
  }
  tablesOut.push(
    table(
      `Text-to-image (random-weight stand-ins), ${threads} onnxruntime thread(s), seconds per image (median of ${imageRepeats}, interleaved)`,
      ["model", "size", "steps", "direct s", "outpost s", "outpost ms/step", "outpost/direct", "min–max", "same PNG", "target"],
      rows,
    ),
  );
}

if (parts.has("speech")) {
  const speechRepeats = values.quick ? 3 : 6;
  const med = (xs: number[]) => percentile(xs, 50);
  const rows = await speechCost(SHARED_MODELS, threads, ints(values["speech-sentences"]), speechRepeats, log);
  for (const r of rows) out.write("speech-recognition", { ...r, threads, mode, directRtfMedian: med(r.directRtf), outpostRtfMedian: med(r.outpostRtf), ratioMedian: med(r.ratios) });
  tablesOut.push(
    table(
      `Speech recognition (random-weight whisper stand-in, espeak-ng speech), ${threads} whisper.cpp thread(s), real-time factor: seconds of work per second of audio (median of ${speechRepeats}, interleaved)`,
      ["audio s", "direct RTF", "outpost RTF", "outpost/direct", "min–max", "target"],
      rows.map((r) => {
        const ratio = med(r.ratios);
        return [fmt(r.audioS, 1), fmt(med(r.directRtf), 3), fmt(med(r.outpostRtf), 3), pct(ratio), `${pct(Math.min(...r.ratios))}–${pct(Math.max(...r.ratios))}`, `≥ 95% ${ratio >= 0.95 ? "met" : "MISSED"}`];
      }),
    ),
  );
}

if (parts.has("tts")) {
  const ttsRepeats = values.quick ? 2 : 4;
  const perClient = values.quick ? 4 : 10;
  const rows: string[][] = [];
  for (const r of await ttsCost([1, 4], perClient, ttsRepeats, log)) {
    const ratio = percentile(r.ratios, 50);
    out.write("text-to-speech", { ...r, mode, ratioMedian: ratio });
    rows.push([String(r.concurrency), String(r.requestsPerSide), fmt(r.directRps, 2), fmt(r.outpostRps, 2), pct(ratio), `${pct(Math.min(...r.ratios))}–${pct(Math.max(...r.ratios))}`, `${fmt(r.directP50Ms, 0)} / ${fmt(r.directP99Ms, 0)}`, `${fmt(r.outpostP50Ms, 0)} / ${fmt(r.outpostP99Ms, 0)}`, r.sameBytes ? "yes" : "NO", `≥ 95% ${ratio >= 0.95 ? "met" : "MISSED"}`]);
  }
  tablesOut.push(
    table(
      `Text-to-speech (@outpost/espeak-ng: espeak-ng + lame per request, a 91-character sentence to MP3), median of ${ttsRepeats} interleaved runs`,
      ["concurrency", "requests", "direct req/s", "outpost req/s", "outpost/direct", "min–max", "direct p50/p99 ms", "outpost p50/p99 ms", "same MP3", "target"],
      rows,
    ),
  );
}

closeClient();
for (const dir of [mirrorDir, dataDir]) rmSync(dir, { recursive: true, force: true });
console.log(`Device: ${tags.device.cpu}, ${tags.device.cores} cores; commit ${tags.commit}; ${mode} mode`);
console.log(tablesOut.join("\n"));
console.log(`\nJSON lines: ${out.path}`);
