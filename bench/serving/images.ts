/**
 * Text-to-image: seconds per image and per step, Outpost over HTTP against the same diffusion
 * pipeline called in this process, in interleaved rounds per size so drifting machine load hits
 * both alike.
 * The stand-ins' pictures are noise; their ONNX graphs, schedulers and PNG encoding are the real
 * code path, so the costs are real for their size.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { TEXT_TO_IMAGE_MODELS } from "../../src/catalog/text-to-image.js";
import type { ImageJob } from "../../src/contract/index.js";
import { DiffusionPipeline } from "../../src/engines/diffusion/pipeline.js";
import { SHARED_MODELS } from "../gguf/models.js";
import { estimate, formatEstimate, formatVerdict, halfWidth } from "./confidence.js";
import { formatLoad, interleave, onCores, type InterleaveOptions, type Interleaved } from "./interleave.js";
import { startOutpost } from "./outpost.js";
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

export function standinImageModels(sharedModels: string): ImageBenchModel[] {
  return ["sd-tiny", "sdxl-tiny"].map((name) => ({ name, catalogId: `@outpost/${name}-standin`, dir: join(sharedModels, "standins", name), mirror: sharedModels }));
}

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function direct(pipeline: DiffusionPipeline, job: ImageJob): Promise<Uint8Array> {
  for await (const event of pipeline.generate(job, new AbortController().signal)) if (event.type === "image") return event.png;
  throw new Error("the pipeline ended without an image");
}

async function viaHttp(url: string, model: string, job: ImageJob): Promise<Uint8Array> {
  const body = { prompt: job.prompt, width: job.width, height: job.height, num_steps: job.steps, guidance: job.guidance, seed: job.seed };
  const response = await fetch(`${url}/ai/run/${model}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (response.status !== 200) throw new Error(`${model} ${job.width}²: HTTP ${response.status} ${await response.text()}`);
  return new Uint8Array(await response.arrayBuffer());
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
export async function imageCost(model: ImageBenchModel, threads: number, sizes: number[], steps: number, options: InterleaveOptions, log: (line: string) => void): Promise<ImageRow[]> {
  const entry = TEXT_TO_IMAGE_MODELS.find((e) => e.id === model.catalogId);
  if (!entry?.imageGeneration) throw new Error(`${model.catalogId} is not a text-to-image catalog entry`);
  const pipeline = await DiffusionPipeline.load(model.dir, entry.imageGeneration, threads);
  const server = await startOutpost({ threads, "model-mirror": model.mirror, "keep-alive-ms": 600_000 });
  const rows: ImageRow[] = [];
  try {
    for (const size of sizes) {
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
        },
        { ...options, enough: () => halfWidth(estimate(pairRatios(times))) <= 0.02 },
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
  options: { "image-sizes": { type: "string", default: "256,512,1024" }, "image-steps": { type: "string", default: "4" } },
  async run(ctx) {
    const steps = Number(ctx.flag("image-steps"));
    const options = { minRounds: 6, maxRounds: 20, budgetMs: (ctx.quick ? 10 : 40) * 1000 };
    const med = (xs: number[]) => percentile(xs, 50);
    const rows: string[][] = [];
    for (const model of standinImageModels(SHARED_MODELS)) {
      for (const r of await imageCost(model, ctx.threads, ctx.ints("image-sizes"), steps, options, ctx.log)) {
        const ratio = estimate(r.ratios);
        ctx.out.write("text-to-image", { ...r, threads: ctx.threads, mode: ctx.mode, directMedianS: med(r.directS), outpostMedianS: med(r.outpostS), ratio, rounds: r.interleaved.rounds, load: r.interleaved.load });
        rows.push([r.model, `${r.size}²`, String(r.steps), fmt(med(r.directS), 3), fmt(med(r.outpostS), 3), fmt((med(r.outpostS) * 1000) / r.steps, 0), formatEstimate(ratio, "percent"), String(r.interleaved.rounds), formatLoad(r.interleaved.load), r.sameBytes ? "yes" : "NO", formatVerdict(ratio, { atLeast: 0.95 }, "≥ 95%", onCores(r.interleaved.load))]);
      }
    }
    return [
      table(
        `Text-to-image (random-weight stand-ins), ${ctx.threads} onnxruntime thread(s), seconds per image (medians of interleaved rounds); outpost/direct paired per round, median [95% interval]`,
        ["model", "size", "steps", "direct s", "outpost s", "outpost ms/step", "outpost/direct", "rounds", "load, steal, other", "same PNG", "target"],
        rows,
      ),
    ];
  },
};
