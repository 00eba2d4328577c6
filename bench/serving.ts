/**
 * `npm run bench`: Outpost against the engines it wraps, part by part (the table below), each
 * measured in short interleaved trials so a busy machine hits every side alike. Prints tables
 * and writes JSON lines to bench/out/. Reports, never asserts. Usage: bench/README.md.
 */
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { BENCH_ROOT } from "./gguf/models.js";
import { hooksPart } from "./hooks.js";
import { hostilePart } from "./hostile/index.js";
import { grammarPart } from "./serving/grammar.js";
import { imagesPart } from "./serving/images.js";
import { BENCH_MODELS, benchModel, type BenchModel } from "./serving/models.js";
import { addCustomModel, closeClient } from "./serving/outpost.js";
import type { BenchContext, BenchPart, PartOption } from "./serving/part.js";
import { environmentTags, JsonLines } from "./serving/report.js";
import { flashPart } from "./serving/scenarios.js";
import { speechPart } from "./serving/speech.js";
import { tasksPart } from "./serving/tasks.js";
import { servingPart, sweepPart } from "./serving/text-generation.js";
import { ttsPart } from "./serving/tts.js";
import { gatewayPart } from "./gateway.js";

/** Every part, in the order they run; `--parts` picks some. A new benchmark is one line here. */
const PARTS: BenchPart[] = [servingPart, sweepPart, flashPart, hostilePart, hooksPart, gatewayPart, grammarPart, imagesPart, speechPart, ttsPart, tasksPart];

const REPO_ROOT = resolve(BENCH_ROOT, "..");
const COMMON: Record<string, PartOption> = {
  quick: { type: "boolean", default: false },
  models: { type: "string", default: BENCH_MODELS.map((m) => m.name).join(",") },
  // Outpost's own default rule (src/config: cores - 1, at least 1), so every side matches it.
  threads: { type: "string", default: String(Math.max(1, availableParallelism() - 1)) },
  parts: { type: "string" },
};
const options: Record<string, PartOption> = Object.assign({}, COMMON, ...PARTS.map((p) => p.options ?? {}));
const values = parseArgs({ options }).values as Record<string, string | boolean | undefined>;
const flag = (name: string) => String(values[name] ?? "");
const list = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
const chosen = values.parts ? list(flag("parts")) : PARTS.filter((p) => values.quick !== true || p.quick !== false).map((p) => p.name);
for (const name of chosen) if (!PARTS.some((p) => p.name === name)) throw new Error(`unknown part '${name}'; known: ${PARTS.map((p) => p.name).join(", ")}`);

const tags = environmentTags(REPO_ROOT);
const out = new JsonLines(join(BENCH_ROOT, "out"), tags);

/**
 * Outpost finds weights by file name in its mirror (a temp dir of links to the bench models);
 * generated models are registered once in a data dir every server of this run shares.
 */
const mirrorDir = mkdtempSync(join(tmpdir(), "outpost-bench-mirror-"));
const dataDir = mkdtempSync(join(tmpdir(), "outpost-bench-data-"));
const threads = Number(flag("threads"));
const ctx: BenchContext = {
  quick: values.quick === true,
  mode: values.quick === true ? "quick" : "full",
  threads,
  serverFlags: { threads, "model-mirror": mirrorDir, "data-dir": dataDir, "keep-alive-ms": 600_000 },
  models: list(flag("models")).map(benchModel),
  prepare(model: BenchModel) {
    const link = join(mirrorDir, model.fileName);
    if (existsSync(link)) return model;
    symlinkSync(model.path(), link);
    if (model.custom) addCustomModel(REPO_ROOT, dataDir, model.catalogId, model.path(), model.contextTokens);
    return model;
  },
  flag,
  ints: (name) => list(flag(name)).map(Number),
  out,
  log: (line) => process.stderr.write(`${line}\n`),
};

const started = performance.now();
const tables: string[] = [];
try {
  for (const part of PARTS) if (chosen.includes(part.name)) tables.push(...(await part.run(ctx)));
} finally {
  closeClient();
  for (const dir of [mirrorDir, dataDir]) rmSync(dir, { recursive: true, force: true });
}
console.log(`Device: ${tags.device.cpu}, ${tags.device.cores} cores; commit ${tags.commit}; ${ctx.mode} mode; ${((performance.now() - started) / 1000).toFixed(0)} s`);
console.log(tables.join("\n"));
console.log(`\nJSON lines: ${out.path}`);
