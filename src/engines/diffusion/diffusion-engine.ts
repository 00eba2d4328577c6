import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { OutpostError, type ComputeReport, type Engine, type EngineLoadOptions, type EngineResult, type EngineSettings, type ImageJob, type LoadedModel } from "../../contract/index.js";
import { chooseExecutionProvider, loadOnProvider, onnxCompute, thisMachine, type OnnxChoice } from "../onnx/index.js";
import { DiffusionPipeline, type GenerationEvent } from "./pipeline.js";

/** Stable Diffusion on onnxruntime-node, on CUDA where `--gpu` allows and it starts, else the CPU. One instance per runner process. */
export class DiffusionEngine implements Engine {
  readonly #gpu: EngineSettings["gpu"];
  #choice: OnnxChoice;

  constructor(settings: EngineSettings) {
    this.#gpu = settings.gpu;
    this.#choice = chooseExecutionProvider(settings.gpu, thisMachine());
  }

  async compute(): Promise<ComputeReport> {
    return onnxCompute(this.#gpu, this.#choice);
  }

  async load(options: EngineLoadOptions): Promise<LoadedModel> {
    const settings = options.model.imageGeneration;
    if (!settings) throw new OutpostError("INTERNAL", `${options.model.id} has no image generation settings in the catalog`);
    const { loaded, choice } = await loadOnProvider(this.#choice, (provider) => DiffusionPipeline.load(options.path, settings, options.threads, provider));
    this.#choice = choice;
    return new DiffusionModel(loaded, await folderSize(options.path));
  }
}

/**
 * One model's pipeline. A diffusion step already uses every thread the model was given, so jobs
 * run one after another (the scheduler's slots admit more; they wait here, in order).
 */
class DiffusionModel implements LoadedModel {
  readonly info;
  #turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly pipeline: DiffusionPipeline,
    sizeBytes: number,
  ) {
    this.info = { sizeBytes };
  }

  async run(raw: unknown, signal: AbortSignal): Promise<EngineResult> {
    const job = raw as ImageJob;
    this.pipeline.check(job);
    if (job.progress) return { kind: "bytes", contentType: "text/event-stream", chunks: this.#progress(job, signal) };
    for await (const event of this.#generate(job, signal)) {
      if (event.type === "image") return { kind: "bytes", contentType: "image/png", chunks: once(event.png) };
    }
    throw new OutpostError("INTERNAL", "The diffusion pipeline ended without an image");
  }

  /** Outpost's progress stream: `data: {"step":k,"steps":n}` per step, then `data: {"image":"<base64 PNG>"}`, then `data: [DONE]`. */
  async *#progress(job: ImageJob, signal: AbortSignal): AsyncGenerator<Uint8Array> {
    const encode = (data: string) => new TextEncoder().encode(`data: ${data}\n\n`);
    for await (const event of this.#generate(job, signal)) {
      yield encode(JSON.stringify(event.type === "step" ? { step: event.step, steps: event.steps } : { image: Buffer.from(event.png).toString("base64") }));
    }
    yield encode("[DONE]");
  }

  /** The pipeline's events, once the jobs before this one have finished. */
  async *#generate(job: ImageJob, signal: AbortSignal): AsyncGenerator<GenerationEvent> {
    const previous = this.#turn;
    let done!: () => void;
    this.#turn = new Promise((resolve) => (done = resolve));
    try {
      await previous;
      yield* this.pipeline.generate(job, signal);
    } finally {
      done();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.pipeline.release();
  }
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** Bytes of every file under `dir`: a multi-file model's weights. */
async function folderSize(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const sizes = await Promise.all(entries.filter((e) => e.isFile() || e.isSymbolicLink()).map((e) => stat(join(e.parentPath, e.name)).then((s) => (s.isFile() ? s.size : 0))));
  return sizes.reduce((a, b) => a + b, 0);
}
