/** Samplers the diffusion engine implements (diffusers' Euler, Euler ancestral, DDIM and LCM). */
export type DiffusionScheduler = "euler" | "euler-a" | "ddim" | "lcm";

/** How a schedule picks its timesteps, as diffusers' `timestep_spacing`. */
export type TimestepSpacing = "leading" | "trailing" | "linspace";

/** What the text-to-image task and the diffusion engine need to know of a model, from its catalog entry. */
export interface ImageGenerationSettings {
  scheduler: DiffusionScheduler;
  /** Overrides the model's scheduler_config (SDXL-Lightning was distilled on trailing steps). */
  timestepSpacing?: TimestepSpacing;
  /** Size, steps and guidance when the caller gives none. */
  width: number;
  height: number;
  steps: number;
  guidance: number;
}

/**
 * The diffusion engine's job, built by tasks/text-to-image.ts. Images travel as base64 of the
 * caller's encoded file: they are decoded (with a pixel limit) in the runner, so a hostile
 * picture can cost only the runner.
 */
export interface ImageJob {
  prompt: string;
  negativePrompt: string;
  width: number;
  height: number;
  steps: number;
  guidance: number;
  /** img2img: how far from the input image the result may go, 0…1 (1 = ignore it). */
  strength: number;
  seed: number;
  image?: string;
  mask?: string;
  /** Stream `text/event-stream` progress (one event per step) ending with the PNG, instead of the PNG. */
  progress: boolean;
}
