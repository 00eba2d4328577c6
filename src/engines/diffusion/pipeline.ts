import { readFile } from "node:fs/promises";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { CLIPTokenizer } from "@huggingface/transformers";
import { OutpostError, type ImageGenerationSettings, type ImageJob } from "../../contract/index.js";
import { decodeImage, encodePng, type RawImage } from "../../media/image.js";
import { Noise } from "./noise.js";
import { createSampler, type SchedulerConfig } from "./schedulers.js";

/** CLIP's context: every SD text encoder takes exactly 77 token ids. */
const CLIP_TOKENS = 77;
/** The VAE scales pictures down by 8 on each side. */
const VAE_FACTOR = 8;

/** What one generation reports: a step done, then the finished picture. */
export type GenerationEvent = { type: "step"; step: number; steps: number } | { type: "image"; png: Uint8Array };

interface Encoder {
  session: ort.InferenceSession;
  tokenizer: CLIPTokenizer;
  idsType: "int32" | "int64";
}

/** Text conditioning for a batch of [negative, positive] (or just [positive] without guidance). */
interface Conditioning {
  hidden: ort.Tensor;
  /** SDXL: the second encoder's pooled embedding and the size conditioning. */
  extra: Record<string, ort.Tensor>;
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, "utf8")) as T;
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    () => false,
  );
}

/**
 * A Stable Diffusion pipeline over a diffusers ONNX folder (`text_encoder[_2]/`, `tokenizer[_2]/`,
 * `unet/`, `vae_decoder/`, `vae_encoder/`, `scheduler/`): SD 1.x, SDXL (two encoders,
 * `text_embeds` + `time_ids`) and 9-channel inpainting UNets, told apart by their files.
 */
export class DiffusionPipeline {
  private constructor(
    private readonly settings: ImageGenerationSettings,
    private readonly encoders: Encoder[],
    private readonly unet: ort.InferenceSession,
    private readonly vaeDecoder: ort.InferenceSession,
    private readonly vaeEncoder: ort.InferenceSession | undefined,
    private readonly scheduler: SchedulerConfig,
    private readonly unetChannels: number,
    /** Pixels per side must be a multiple of this: the VAE's 8 times the UNet's downsamplings. */
    readonly sizeMultiple: number,
    private readonly scalingFactor: number,
    private readonly zeroEmptyNegative: boolean,
  ) {}

  static async load(dir: string, settings: ImageGenerationSettings, threads: number, provider: "cuda" | "cpu" = "cpu"): Promise<DiffusionPipeline> {
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
    };
    const session = (part: string) => ort.InferenceSession.create(join(dir, part, "model.onnx"), options);
    const encoder = async (suffix: string): Promise<Encoder> => {
      const folder = join(dir, `tokenizer${suffix}`);
      const tokenizer = new CLIPTokenizer(await readJson(join(folder, "tokenizer.json")), await readJson(join(folder, "tokenizer_config.json")));
      const encoderSession = await session(`text_encoder${suffix}`);
      const idsType = inputType(encoderSession, "input_ids") === "int64" ? "int64" : "int32";
      return { session: encoderSession, tokenizer, idsType };
    };
    const encoders = [await encoder("")];
    if (await exists(join(dir, "text_encoder_2", "model.onnx"))) encoders.push(await encoder("_2"));
    const unetConfig = await readJson<{ in_channels?: number; block_out_channels?: number[] }>(join(dir, "unet", "config.json"));
    const vaeConfig = await readJson<{ scaling_factor?: number }>(join(dir, "vae_decoder", "config.json"));
    const index = await readJson<{ force_zeros_for_empty_prompt?: boolean }>(join(dir, "model_index.json"));
    const levels = unetConfig.block_out_channels?.length ?? 4;
    return new DiffusionPipeline(
      settings,
      encoders,
      await session("unet"),
      await session("vae_decoder"),
      (await exists(join(dir, "vae_encoder", "model.onnx"))) ? await session("vae_encoder") : undefined,
      await readJson<SchedulerConfig>(join(dir, "scheduler", "scheduler_config.json")),
      unetConfig.in_channels ?? 4,
      VAE_FACTOR * 2 ** (levels - 1),
      vaeConfig.scaling_factor ?? 0.18215,
      encoders.length > 1 && index.force_zeros_for_empty_prompt !== false,
    );
  }

  get inpaints(): boolean {
    return this.unetChannels === 9;
  }

  async release(): Promise<void> {
    const sessions = [...this.encoders.map((e) => e.session), this.unet, this.vaeDecoder, this.vaeEncoder];
    await Promise.all(sessions.map((s) => s?.release()));
  }

  /** Checks what only this model's files decide; INPUT_INVALID naming the field. */
  check(job: ImageJob): void {
    for (const field of ["width", "height"] as const) {
      if (job[field] % this.sizeMultiple !== 0) {
        throw new OutpostError("INPUT_INVALID", `Invalid input at '/${field}': ${job[field]} is not a multiple of ${this.sizeMultiple}, which this model needs`);
      }
    }
    if (job.mask !== undefined && !this.inpaints) throw new OutpostError("INPUT_INVALID", "Invalid input at '/mask': this model does not inpaint; use an inpainting model");
    if (this.inpaints && (job.image === undefined || job.mask === undefined)) {
      throw new OutpostError("INPUT_INVALID", `Invalid input at '/${job.image === undefined ? "image" : "mask"}': an inpainting model needs both image and mask`);
    }
    if (job.image !== undefined && !this.vaeEncoder) throw new OutpostError("INPUT_INVALID", "Invalid input at '/image': this model has no VAE encoder for img2img");
  }

  async *generate(job: ImageJob, signal: AbortSignal): AsyncGenerator<GenerationEvent> {
    this.check(job);
    const guided = job.guidance > 1;
    const batch = guided ? 2 : 1;
    const latentShape = [1, 4, job.height / VAE_FACTOR, job.width / VAE_FACTOR];
    const latentSize = latentShape.reduce((a, b) => a * b, 1);
    const noise = new Noise(job.seed);
    const initial = noise.normals(latentSize);

    const source = job.image === undefined ? undefined : await decodeImage(base64Bytes(job.image), { field: "/image", width: job.width, height: job.height });
    const mask = job.mask === undefined ? undefined : await this.#mask(job, source!);
    const sampler = createSampler(this.settings.scheduler, this.scheduler, {
      steps: job.steps,
      strength: source ? job.strength : 1,
      ...(this.settings.timestepSpacing ? { spacing: this.settings.timestepSpacing } : {}),
    });
    const conditioning = await this.#encodeText(job, guided);
    let inpaint: Float32Array | undefined;
    let latents: Float32Array;
    if (source && !mask) {
      latents = sampler.addNoise(await this.#encodeImage(source.data, job), initial);
    } else {
      latents = initial.map((v) => v * sampler.initNoiseSigma);
    }
    if (source && mask) {
      const masked = source.data.map((v, i) => (mask.pixels[Math.floor(i / 3)]! ? 127.5 : v));
      inpaint = concatChannels(mask.latent, await this.#encodeImage(masked, job));
    }

    const steps = sampler.timesteps.length;
    for (let i = 0; i < steps; i++) {
      if (signal.aborted) throw new OutpostError("ABORTED", "The request was cancelled");
      let input = sampler.scaleInput(latents, i);
      if (inpaint) input = concatChannels(input, inpaint);
      const channels = input.length / (latentSize / 4);
      const feeds: Record<string, ort.Tensor> = {
        sample: new ort.Tensor("float32", repeat(input, batch), [batch, channels, latentShape[2]!, latentShape[3]!]),
        timestep: this.#timestep(sampler.timesteps[i]!, batch),
        encoder_hidden_states: conditioning.hidden,
        ...conditioning.extra,
      };
      const out = (await this.unet.run(feeds))[this.unet.outputNames[0]!]!.data as Float32Array;
      const eps = guided ? out.subarray(latentSize).map((c, j) => out[j]! + job.guidance * (c - out[j]!)) : out;
      latents = sampler.step(eps, i, latents, noise);
      yield { type: "step", step: i + 1, steps };
    }
    if (signal.aborted) throw new OutpostError("ABORTED", "The request was cancelled");
    yield { type: "image", png: await encodePng(await this.#decode(latents, latentShape)) };
  }

  async #encodeText(job: ImageJob, guided: boolean): Promise<Conditioning> {
    const texts = guided ? [job.negativePrompt, job.prompt] : [job.prompt];
    const zeroNegative = guided && this.zeroEmptyNegative && job.negativePrompt === "";
    const outputs = await Promise.all(this.encoders.map((e) => this.#runEncoder(e, texts)));
    if (this.encoders.length === 1) return { hidden: pick(outputs[0]!, "last_hidden_state"), extra: {} };
    // SDXL conditions on the penultimate layer of both encoders, side by side, plus encoder 2's pooled output.
    const hiddens = outputs.map(penultimate);
    const width = hiddens.reduce((sum, h) => sum + h.dims[2]!, 0);
    const hidden = new Float32Array(texts.length * CLIP_TOKENS * width);
    for (let row = 0; row < texts.length * CLIP_TOKENS; row++) {
      let offset = row * width;
      for (const h of hiddens) {
        const d = h.dims[2]!;
        if (!(zeroNegative && row < CLIP_TOKENS)) hidden.set((h.data as Float32Array).subarray(row * d, (row + 1) * d), offset);
        offset += d;
      }
    }
    const pooled = pick(outputs[1]!, "text_embeds");
    const pooledData = new Float32Array(pooled.data as Float32Array);
    if (zeroNegative) pooledData.fill(0, 0, pooled.dims[1]!);
    const timeIds = new Float32Array(texts.length * 6);
    for (let b = 0; b < texts.length; b++) timeIds.set([job.height, job.width, 0, 0, job.height, job.width], b * 6);
    return {
      hidden: new ort.Tensor("float32", hidden, [texts.length, CLIP_TOKENS, width]),
      extra: { text_embeds: new ort.Tensor("float32", pooledData, pooled.dims), time_ids: new ort.Tensor("float32", timeIds, [texts.length, 6]) },
    };
  }

  async #runEncoder(encoder: Encoder, texts: string[]): Promise<ort.InferenceSession.OnnxValueMapType> {
    const ids = texts.flatMap((text) => Array.from(encoder.tokenizer(text, { padding: "max_length", max_length: CLIP_TOKENS, truncation: true }).input_ids.data as BigInt64Array));
    const data = encoder.idsType === "int64" ? BigInt64Array.from(ids) : Int32Array.from(ids, Number);
    return encoder.session.run({ input_ids: new ort.Tensor(encoder.idsType, data, [texts.length, CLIP_TOKENS]) });
  }

  #timestep(t: number, batch: number): ort.Tensor {
    if (inputType(this.unet, "timestep") === "float32") return new ort.Tensor("float32", new Float32Array(batch).fill(t), [batch]);
    return new ort.Tensor("int64", new BigInt64Array(batch).fill(BigInt(Math.round(t))), [batch]);
  }

  /** The VAE's mean latent of an RGB picture, scaled as the UNet expects. */
  async #encodeImage(rgb: Uint8Array, job: ImageJob): Promise<Float32Array> {
    const pixels = job.width * job.height;
    const planar = new Float32Array(3 * pixels);
    for (let p = 0; p < pixels; p++) for (let c = 0; c < 3; c++) planar[c * pixels + p] = rgb[p * 3 + c]! / 127.5 - 1;
    const encoder = this.vaeEncoder!;
    const out = (await encoder.run({ sample: new ort.Tensor("float32", planar, [1, 3, job.height, job.width]) }))[encoder.outputNames[0]!]!;
    const mean = (out.data as Float32Array).subarray(0, (out.data.length as number) / 2);
    return mean.map((v) => v * this.scalingFactor);
  }

  async #mask(job: ImageJob, source: { source: { width: number; height: number } }): Promise<{ pixels: Uint8Array; latent: Float32Array }> {
    const decoded = await decodeImage(base64Bytes(job.mask!), { field: "/mask", width: job.width, height: job.height, grey: true });
    const { width, height } = source.source;
    if (decoded.source.width !== width || decoded.source.height !== height) {
      throw new OutpostError("INPUT_INVALID", `Invalid input at '/mask': the mask is ${decoded.source.width}×${decoded.source.height}, the image ${width}×${height}; they must be the same size`);
    }
    // White (≥ 128) marks what to repaint, as diffusers reads a mask.
    const pixels = decoded.data.map((v) => (v >= 128 ? 1 : 0));
    const lw = job.width / VAE_FACTOR;
    const lh = job.height / VAE_FACTOR;
    const latent = new Float32Array(lw * lh);
    for (let y = 0; y < lh; y++) for (let x = 0; x < lw; x++) latent[y * lw + x] = pixels[(y * VAE_FACTOR + VAE_FACTOR / 2) * job.width + x * VAE_FACTOR + VAE_FACTOR / 2]!;
    return { pixels, latent };
  }

  async #decode(latents: Float32Array, shape: number[]): Promise<RawImage> {
    const scaled = latents.map((v) => v / this.scalingFactor);
    const out = (await this.vaeDecoder.run({ latent_sample: new ort.Tensor("float32", scaled, shape) }))[this.vaeDecoder.outputNames[0]!]!;
    const [, , height, width] = out.dims as [number, number, number, number];
    const planar = out.data as Float32Array;
    const pixels = width * height;
    const rgb = new Uint8Array(3 * pixels);
    for (let p = 0; p < pixels; p++) {
      for (let c = 0; c < 3; c++) rgb[p * 3 + c] = Math.round(Math.min(1, Math.max(0, planar[c * pixels + p]! / 2 + 0.5)) * 255);
    }
    return { data: rgb, width, height, channels: 3 };
  }
}

function inputType(session: ort.InferenceSession, name: string): string | undefined {
  const meta = session.inputMetadata.find((m) => m.name === name);
  return meta && meta.isTensor ? meta.type : undefined;
}

function pick(outputs: ort.InferenceSession.OnnxValueMapType, name: string): ort.Tensor {
  const value = outputs[name];
  if (!value) throw new OutpostError("INTERNAL", `The text encoder has no ${name} output`);
  return value;
}

/** `hidden_states.{L-1}` of an encoder with outputs `hidden_states.0…L`. */
function penultimate(outputs: ort.InferenceSession.OnnxValueMapType): ort.Tensor {
  const layers = Object.keys(outputs).filter((k) => k.startsWith("hidden_states.")).length;
  return pick(outputs, `hidden_states.${layers - 2}`);
}

function repeat(data: Float32Array, times: number): Float32Array {
  if (times === 1) return data;
  const out = new Float32Array(data.length * times);
  for (let i = 0; i < times; i++) out.set(data, i * data.length);
  return out;
}

/** Channel-wise concatenation of two [1, c, h, w] tensors: with one batch item, their data end to end. */
function concatChannels(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function base64Bytes(value: string): Uint8Array {
  return Buffer.from(value, "base64");
}
