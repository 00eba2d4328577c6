import { OutpostError } from "../../contract/index.js";
import type { DiffusionScheduler, TimestepSpacing } from "../../contract/index.js";
import type { Noise } from "./noise.js";

/** The fields of a diffusers `scheduler/scheduler_config.json` the samplers read. */
export interface SchedulerConfig {
  num_train_timesteps?: number;
  beta_start?: number;
  beta_end?: number;
  beta_schedule?: string;
  steps_offset?: number;
  timestep_spacing?: TimestepSpacing;
  set_alpha_to_one?: boolean;
  prediction_type?: string;
  original_inference_steps?: number;
}

/**
 * One denoising schedule, already cut for img2img strength: `timesteps[i]` is what the UNet is
 * told at step i. Formulas follow diffusers' schedulers of the same names (epsilon prediction).
 */
export interface Sampler {
  readonly timesteps: readonly number[];
  /** Scale of the starting noise for text-to-image. */
  readonly initNoiseSigma: number;
  /** The UNet's input at step i (Euler scales by 1/√(σ²+1); DDIM and LCM pass it through). */
  scaleInput(x: Float32Array, i: number): Float32Array;
  /** The latents after step i, from the guided noise prediction. May draw from `noise`. */
  step(eps: Float32Array, i: number, x: Float32Array, noise: Noise): Float32Array;
  /** Clean latents noised to the level of step 0 (img2img). */
  addNoise(x0: Float32Array, n: Float32Array): Float32Array;
}

export function createSampler(name: DiffusionScheduler, config: SchedulerConfig, options: { steps: number; strength: number; spacing?: TimestepSpacing }): Sampler {
  if ((config.prediction_type ?? "epsilon") !== "epsilon") {
    throw new OutpostError("ENGINE_UNAVAILABLE", `The model predicts ${config.prediction_type}; Outpost's samplers support epsilon prediction`);
  }
  const schedule = trainSchedule(config);
  const all = name === "lcm" ? lcmTimesteps(schedule.length, options.steps, config.original_inference_steps ?? 50) : spacedTimesteps(schedule.length, options.steps, options.spacing ?? config.timestep_spacing ?? "leading", config.steps_offset ?? 0);
  // img2img: strength 0.6 of 20 steps starts at step 8, the image noised to that level.
  const run = Math.max(1, Math.min(options.steps, Math.floor(options.steps * options.strength)));
  const start = Math.max(0, all.length - run);
  const timesteps = all.slice(start);
  const finalAlpha = config.set_alpha_to_one ? 1 : schedule[0]!;
  const alphaAt = (t: number) => (t >= 0 ? schedule[t]! : finalAlpha);
  const ratio = Math.floor(schedule.length / options.steps);
  switch (name) {
    case "euler":
    case "euler-a":
      return euler(timesteps, schedule, name === "euler-a", options.spacing ?? config.timestep_spacing ?? "leading");
    case "ddim":
      return ddim(timesteps, alphaAt, ratio);
    case "lcm":
      return lcm(timesteps, alphaAt, finalAlpha);
  }
}

/** ᾱ_t for every training timestep. */
function trainSchedule(config: SchedulerConfig): Float64Array {
  const n = config.num_train_timesteps ?? 1000;
  const start = config.beta_start ?? 0.00085;
  const end = config.beta_end ?? 0.012;
  const schedule = config.beta_schedule ?? "scaled_linear";
  if (schedule !== "scaled_linear" && schedule !== "linear") {
    throw new OutpostError("ENGINE_UNAVAILABLE", `The ${schedule} beta schedule is not supported; Outpost's samplers support linear and scaled_linear`);
  }
  const alphas = new Float64Array(n);
  let product = 1;
  for (let i = 0; i < n; i++) {
    const beta = schedule === "linear" ? start + ((end - start) * i) / (n - 1) : (Math.sqrt(start) + ((Math.sqrt(end) - Math.sqrt(start)) * i) / (n - 1)) ** 2;
    product *= 1 - beta;
    alphas[i] = product;
  }
  return alphas;
}

function spacedTimesteps(n: number, steps: number, spacing: TimestepSpacing, offset: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    if (spacing === "leading") out.push(Math.round(i * Math.floor(n / steps)) + offset);
    else if (spacing === "trailing") out.push(Math.round(n - (i * n) / steps) - 1);
    else out.push(Math.round(((n - 1) * i) / Math.max(1, steps - 1)));
  }
  const ordered = spacing === "trailing" ? out : out.reverse();
  return ordered.map((t) => Math.min(n - 1, Math.max(0, t)));
}

/** LCM picks its steps from a coarse 50-step grid of the training schedule. */
function lcmTimesteps(n: number, steps: number, originSteps: number): number[] {
  const c = Math.floor(n / originSteps);
  const origin = Array.from({ length: originSteps }, (_, i) => (i + 1) * c - 1).reverse();
  return Array.from({ length: steps }, (_, i) => origin[Math.floor((i * origin.length) / steps)]!);
}

const map = (length: number, f: (j: number) => number): Float32Array => {
  const out = new Float32Array(length);
  for (let j = 0; j < length; j++) out[j] = f(j);
  return out;
};

function euler(timesteps: number[], schedule: Float64Array, ancestral: boolean, spacing: TimestepSpacing): Sampler {
  const sigmaOf = (t: number) => Math.sqrt((1 - schedule[t]!) / schedule[t]!);
  const sigmas = [...timesteps.map(sigmaOf), 0];
  const max = Math.max(...sigmas);
  return {
    timesteps,
    initNoiseSigma: spacing === "leading" ? Math.sqrt(max * max + 1) : max,
    scaleInput: (x, i) => {
      const k = 1 / Math.sqrt(sigmas[i]! ** 2 + 1);
      return map(x.length, (j) => x[j]! * k);
    },
    step: (eps, i, x, noise) => {
      const from = sigmas[i]!;
      const to = sigmas[i + 1]!;
      if (!ancestral) return map(x.length, (j) => x[j]! + eps[j]! * (to - from));
      const up = Math.sqrt((to * to * (from * from - to * to)) / (from * from));
      const down = Math.sqrt(to * to - up * up);
      return map(x.length, (j) => x[j]! + eps[j]! * (down - from) + noise.normal() * up);
    },
    addNoise: (x0, n) => map(x0.length, (j) => x0[j]! + n[j]! * sigmas[0]!),
  };
}

function ddim(timesteps: number[], alphaAt: (t: number) => number, ratio: number): Sampler {
  return {
    timesteps,
    initNoiseSigma: 1,
    scaleInput: (x) => x,
    step: (eps, i, x) => {
      const t = timesteps[i]!;
      const a = alphaAt(t);
      const prev = alphaAt(t - ratio);
      const sa = Math.sqrt(a);
      const s1a = Math.sqrt(1 - a);
      return map(x.length, (j) => Math.sqrt(prev) * ((x[j]! - s1a * eps[j]!) / sa) + Math.sqrt(1 - prev) * eps[j]!);
    },
    addNoise: (x0, n) => {
      const a = alphaAt(timesteps[0]!);
      return map(x0.length, (j) => Math.sqrt(a) * x0[j]! + Math.sqrt(1 - a) * n[j]!);
    },
  };
}

function lcm(timesteps: number[], alphaAt: (t: number) => number, finalAlpha: number): Sampler {
  // Consistency-model boundary conditions with σ_data = 0.5 and timestep scaling 10, as diffusers' LCMScheduler.
  const boundary = (t: number) => {
    const scaled = t * 10;
    return { skip: 0.25 / (scaled * scaled + 0.25), out: scaled / Math.sqrt(scaled * scaled + 0.25) };
  };
  return {
    timesteps,
    initNoiseSigma: 1,
    scaleInput: (x) => x,
    step: (eps, i, x, noise) => {
      const t = timesteps[i]!;
      const last = i === timesteps.length - 1;
      const a = alphaAt(t);
      const prev = last ? finalAlpha : alphaAt(timesteps[i + 1]!);
      const { skip, out } = boundary(t);
      const denoised = map(x.length, (j) => out * ((x[j]! - Math.sqrt(1 - a) * eps[j]!) / Math.sqrt(a)) + skip * x[j]!);
      if (last) return denoised;
      return map(x.length, (j) => Math.sqrt(prev) * denoised[j]! + Math.sqrt(1 - prev) * noise.normal());
    },
    addNoise: (x0, n) => {
      const a = alphaAt(timesteps[0]!);
      return map(x0.length, (j) => Math.sqrt(a) * x0[j]! + Math.sqrt(1 - a) * n[j]!);
    },
  };
}
