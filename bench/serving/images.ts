/**
 * Text-to-image: seconds per image and per step, Outpost over HTTP against the same diffusion
 * pipeline called in this process, interleaved per size so drifting machine load hits both alike.
 * The stand-ins' pictures are noise; their ONNX graphs, schedulers and PNG encoding are the real
 * code path, so the costs are real for their size.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { TEXT_TO_IMAGE_MODELS } from "../../src/catalog/text-to-image.js";
import type { ImageJob } from "../../src/contract/index.js";
import { DiffusionPipeline } from "../../src/engines/diffusion/pipeline.js";
import { startOutpost } from "./outpost.js";

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
  repeats: number;
  directS: number[];
  outpostS: number[];
  /** Per pair (same repeat), direct seconds / Outpost seconds: Outpost's share of direct throughput. */
  ratios: number[];
  /** Whether both sides made byte-identical PNGs for the same seed. */
  sameBytes: boolean;
}

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
export async function imageCost(model: ImageBenchModel, threads: number, sizes: number[], steps: number, repeats: number, log: (line: string) => void): Promise<ImageRow[]> {
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
      const row: ImageRow = { model: model.name, size, steps, repeats, directS: [], outpostS: [], ratios: [], sameBytes: sha(reference) === sha(served) };
      for (let r = 0; r < repeats; r++) {
        log(`text-to-image ${model.name} ${size}² repeat ${r + 1}/${repeats}`);
        const order = r % 2 === 0 ? (["direct", "outpost"] as const) : (["outpost", "direct"] as const);
        const times: Record<string, number> = {};
        for (const side of order) {
          const [png, seconds] = await timed(() => (side === "direct" ? direct(pipeline, job) : viaHttp(server.url, model.catalogId, job)));
          if (sha(png) !== sha(reference)) row.sameBytes = false;
          times[side] = seconds;
        }
        row.directS.push(times.direct!);
        row.outpostS.push(times.outpost!);
        row.ratios.push(times.direct! / times.outpost!);
      }
      rows.push(row);
    }
  } finally {
    await server.stop();
    await pipeline.release();
  }
  return rows;
}
