/**
 * Text-to-image: seconds per image and per step, Outpost over HTTP against the same diffusion
 * pipeline called in this process, in interleaved rounds per size so drifting machine load hits
 * both alike: the tiny stand-ins from ../shared/models, and SD 1.5's full-size UNet when
 * bench/images/make_sd15.py has written it into bench/models/.
 * The stand-ins' pictures are noise; their ONNX graphs, schedulers and PNG encoding are the real
 * code path, so the costs are real for their size.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { TEXT_TO_IMAGE_MODELS } from "../../src/catalog/text-to-image.js";
import type { ImageJob } from "../../src/contract/index.js";
import { DiffusionPipeline } from "../../src/engines/diffusion/pipeline.js";
import { BENCH_ROOT, GENERATED_DIR, SHARED_MODELS } from "../gguf/models.js";
import { estimate, formatEstimate, formatVerdict, halfWidth } from "./confidence.js";
import { formatLoad, interleave, onCores, type InterleaveOptions, type Interleaved } from "./interleave.js";
import { runForBytes, startOutpost } from "./outpost.js";
import type { BenchPart } from "./part.js";
import { fmt, table } from "./report.js";
import { percentile } from "./stats.js";

export interface ImageBenchModel {
  name: string;
  catalogId: string;
  /** The pipeline folder, for the direct side. */
  dir: string;
  /** The mirror the server reads the same folder from. */
  mirror: string;
  /** Steps per picture, one per size. */
  steps: number[];
  rounds: InterleaveOptions;
}

export interface ImageRow {
  model: string;
  size: number;
  steps: number;
  directS: number[];
  outpostS: number[];
  /** Per pair (same repeat), direct seconds / Outpost seconds: Outpost's share of direct throughput. */
  ratios: number[];
  /** Whether both sides made byte-identical PNGs for the same seed. */
  sameBytes: boolean;
  interleaved: Interleaved;
}

/** Per round, direct seconds / Outpost seconds. */
const pairRatios = (t: { directS: number[]; outpostS: number[] }) => t.outpostS.map((o, i) => (t.directS[i] ?? Number.NaN) / o);

export function standinImageModels(sharedModels: string, steps: number[], rounds: InterleaveOptions): ImageBenchModel[] {
  return ["sd-tiny", "sdxl-tiny"].map((name) => ({ name, catalogId: `@outpost/${name}-standin`, dir: join(sharedModels, "standins", name), mirror: sharedModels, steps, rounds }));
}

/** Where bench/images/make_sd15.py writes SD 1.5's full-size random UNet, the catalog's `@outpost/sd15-standin` (bench/models is git-ignored). */
export const FULL_SIZE_DIR = join(GENERATED_DIR, "sd15-standin");
export const MAKE_FULL_SIZE = `/usr/bin/python3 ${relative(join(BENCH_ROOT, ".."), join(BENCH_ROOT, "images", "make_sd15.py"))}`;

/** The full-size SD 1.5 model if it has been generated; it is 3.9 GB, so it is made on demand, never committed. */
export function fullSizeImageModel(steps: number[], rounds: InterleaveOptions): ImageBenchModel | undefined {
  if (!existsSync(join(FULL_SIZE_DIR, "unet", "model.onnx_data"))) return undefined;
  return { name: "sd15", catalogId: "@outpost/sd15-standin", dir: FULL_SIZE_DIR, mirror: GENERATED_DIR, steps, rounds };
}

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function direct(pipeline: DiffusionPipeline, job: ImageJob): Promise<Uint8Array> {
  for await (const event of pipeline.generate(job, new AbortController().signal)) if (event.type === "image") return event.png;
  throw new Error("the pipeline ended without an image");
}

async function viaHttp(url: string, model: string, job: ImageJob): Promise<Uint8Array> {
  const inputs = { prompt: job.prompt, width: job.width, height: job.height, num_steps: job.steps, guidance: job.guidance, seed: job.seed };
  const { status, body } = await runForBytes(url, model, inputs);
  if (status !== 200) throw new Error(`${model} ${job.width}²: HTTP ${status} ${body.toString("utf8")}`);
  return body;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, (performance.now() - start) / 1000];
}

/**
 * One server and one in-process pipeline per model, both with `threads` onnxruntime threads
 * and warmed at every size first (the first run at a size allocates its buffers).
 */
export async function imageCost(model: ImageBenchModel, threads: number, sizes: number[], log: (line: string) => void): Promise<ImageRow[]> {
  const entry = TEXT_TO_IMAGE_MODELS.find((e) => e.id === model.catalogId);
  if (!entry?.imageGeneration) throw new Error(`${model.catalogId} is not a text-to-image catalog entry`);
  const pipeline = await DiffusionPipeline.load(model.dir, entry.imageGeneration, threads);
  const server = await startOutpost({ threads, "model-mirror": model.mirror, "keep-alive-ms": 600_000 });
  const rows: ImageRow[] = [];
  try {
    for (const [i, size] of sizes.entries()) {
      const steps = model.steps[i] ?? model.steps[0]!;
      const job: ImageJob = { prompt: "a basic black and white coloring book page", negativePrompt: "", width: size, height: size, steps, guidance: entry.imageGeneration.guidance, strength: 1, seed: 42, progress: false };
      log(`text-to-image ${model.name} ${size}² × ${steps} steps: warming both sides`);
      const reference = await direct(pipeline, job);
      const served = await viaHttp(server.url, model.catalogId, job);
      const times = { directS: [] as number[], outpostS: [] as number[] };
      let sameBytes = sha(reference) === sha(served);
      const interleaved = await interleave(
        ["direct", "outpost"] as const,
        async (side, round) => {
          if (side === "direct") log(`text-to-image ${model.name} ${size}² round ${round + 1}`);
          const [png, seconds] = await timed(() => (side === "direct" ? direct(pipeline, job) : viaHttp(server.url, model.catalogId, job)));
          if (sha(png) !== sha(reference)) sameBytes = false;
          (side === "direct" ? times.directS : times.outpostS).push(seconds);
          log(`  ${side} ${seconds.toFixed(3)} s`);
        },
        { ...model.rounds, enough: () => halfWidth(estimate(pairRatios(times))) <= 0.02 },
      );
      const row: ImageRow = { model: model.name, size, steps, ...times, ratios: pairRatios(times), sameBytes, interleaved };
      rows.push(row);
    }
  } finally {
    await server.stop();
    await pipeline.release();
  }
  return rows;
}

export const imagesPart: BenchPart = {
  name: "images",
  options: {
    "image-sizes": { type: "string", default: "256,512,1024" },
    "image-steps": { type: "string", default: "4" },
    "image-models": { type: "string", default: "sd-tiny,sdxl-tiny,sd15" },
    "full-image-steps": { type: "string", default: "2,2,1" },
  },
  async run(ctx) {
    const tiny = { minRounds: 6, maxRounds: 20, budgetMs: (ctx.quick ? 10 : 40) * 1000 };
    // A full-size 1024² step takes minutes on 2 cores: at least 2 rounds (too few for a 95% interval) and a longer budget.
    const full = { minRounds: 2, maxRounds: 20, budgetMs: (ctx.quick ? 30 : 120) * 1000 };
    const wanted = new Set(ctx.flag("image-models").split(","));
    const models = standinImageModels(SHARED_MODELS, ctx.ints("image-steps"), tiny).filter((m) => wanted.has(m.name));
    if (wanted.has("sd15")) {
      const sd15 = fullSizeImageModel(ctx.ints("full-image-steps"), full);
      if (sd15) models.push(sd15);
      else ctx.log(`images: no full-size SD 1.5 in ${FULL_SIZE_DIR}, so its rows are left out; make it with \`${MAKE_FULL_SIZE}\` (3.9 GB, about 20 minutes on 2 cores)`);
    }
    const med = (xs: number[]) => percentile(xs, 50);
    const rows: string[][] = [];
    for (const model of models) {
      for (const r of await imageCost(model, ctx.threads, ctx.ints("image-sizes"), ctx.log)) {
        const ratio = estimate(r.ratios);
        const spread = (xs: number[]) => `${fmt(Math.min(...xs), 3)}–${fmt(Math.max(...xs), 3)}`;
        ctx.out.write("text-to-image", { ...r, threads: ctx.threads, mode: ctx.mode, directMedianS: med(r.directS), outpostMedianS: med(r.outpostS), ratio, rounds: r.interleaved.rounds, load: r.interleaved.load });
        rows.push([
          r.model,
          `${r.size}²`,
          String(r.steps),
          `${fmt(med(r.directS), 3)} (${spread(r.directS)})`,
          `${fmt(med(r.outpostS), 3)} (${spread(r.outpostS)})`,
          fmt(med(r.directS) / r.steps, 3),
          fmt(med(r.outpostS) / r.steps, 3),
          formatEstimate(ratio, "percent"),
          `${r.interleaved.rounds} (${r.interleaved.stoppedBy})`,
          formatLoad(r.interleaved.load),
          r.sameBytes ? "yes" : "NO",
          formatVerdict(ratio, { atLeast: 0.95 }, "≥ 95%", onCores(r.interleaved.load)),
        ]);
      }
    }
    return [
      table(
        `Text-to-image (random weights), ${ctx.threads} onnxruntime thread(s), seconds per image: median (min–max) of interleaved rounds; s/step is the image over its steps, text encoding and VAE included; outpost/direct paired per round, median [95% interval]`,
        ["model", "size", "steps", "direct s", "outpost s", "direct s/step", "outpost s/step", "outpost/direct", "rounds", "load, steal, other", "same PNG", "target"],
        rows,
      ),
    ];
  },
};
