import { randomInt } from "node:crypto";
import { z } from "zod";
import { OutpostError, type EngineResult, type ImageJob, type ModelDescriptor, type RunResult } from "../contract/index.js";
import { base64Field, bytesField } from "./binary-input.js";
import type { BodyLimits } from "./body-limits.js";
import type { Prepared, Task } from "./task.js";
import { parseInputs, requireObject, toJsonSchema } from "./validate.js";

/** CLIP reads 77 tokens; a longer prompt is cut there, so past this many characters it is an error, not a silent cut. */
export const MAX_IMAGE_PROMPT_CHARS = 2_048;
/** Workers AI's bounds for width, height and steps. */
const MIN_SIDE = 256;
const MAX_SIDE = 2_048;
const MAX_STEPS = 20;

/**
 * `image` and `mask` arrive as arrays of byte values, 1–4 characters each in JSON: a 10 MiB
 * body holds at most ~3.5 M of them. Depth stays shallow; nothing in these inputs nests.
 */
export const TEXT_TO_IMAGE_BODY_LIMITS: BodyLimits = { maxDepth: 4, maxValues: 12_000_000, maxItems: 12_000_000, maxStringChars: Number.POSITIVE_INFINITY };

const byteArray = z.array(z.number().int().min(0).max(255)).describe("The encoded file's bytes (PNG, JPEG, WebP…), one number per byte.");

const inputSchema = z.object({
  prompt: z.string().min(1).max(MAX_IMAGE_PROMPT_CHARS).describe("What to draw."),
  negative_prompt: z.string().max(MAX_IMAGE_PROMPT_CHARS).optional().describe("What to keep out of the picture."),
  height: z.number().int().min(MIN_SIDE).max(MAX_SIDE).optional().describe("Pixels; a multiple of what the model needs (64 for SD, 32 for the stand-ins)."),
  width: z.number().int().min(MIN_SIDE).max(MAX_SIDE).optional(),
  image: byteArray.optional().describe("img2img and inpainting: the picture to start from."),
  image_b64: z.string().optional().describe("The same picture, base64-encoded."),
  mask: byteArray.optional().describe("Inpainting: white where the picture is repainted, black where it is kept; the image's size."),
  num_steps: z.number().int().min(1).max(MAX_STEPS).optional().describe(`Denoising steps, at most ${MAX_STEPS}.`),
  strength: z.number().min(0).max(1).optional().describe("img2img: how far from the input image the result may go. Default 1."),
  guidance: z.number().min(0).max(30).optional().describe("Classifier-free guidance scale; 1 or less turns guidance off. Default 7.5."),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().describe("Same seed and inputs give the same PNG bytes; random when omitted."),
  stream: z.boolean().optional().describe("Outpost: stream progress as server-sent events (`{step, steps}` per step, then `{image}` base64) instead of the PNG."),
});

/** Turns an engine's chunks into the ReadableStream surfaces send; cancelling it stops the engine's iterator. */
function toStream(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

export const textToImage = {
  id: "text-to-image",
  inputSchema: toJsonSchema(inputSchema),
  bodyLimits: TEXT_TO_IMAGE_BODY_LIMITS,
  outputSchema: { type: "string", contentType: "image/png", format: "binary", description: "The generated image in PNG format." },

  prepare(raw: unknown, model: ModelDescriptor): Prepared & { job: ImageJob } {
    const { image, mask, image_b64, ...fields } = requireObject(raw);
    const inputs = parseInputs(inputSchema, fields);
    const settings = model.imageGeneration;
    if (!settings) throw new OutpostError("INTERNAL", `${model.id} has no image generation settings in the catalog`);
    if (image !== undefined && image_b64 !== undefined) throw new OutpostError("INPUT_INVALID", "image and image_b64 are mutually exclusive");
    const picture = bytesField(image, "image") ?? base64Field(image_b64, "image_b64");
    const maskBytes = bytesField(mask, "mask");
    if (maskBytes !== undefined && picture === undefined) throw new OutpostError("INPUT_INVALID", "Invalid input at '/image': a mask needs the image it applies to");
    const stream = inputs.stream === true;
    const job: ImageJob = {
      prompt: inputs.prompt,
      negativePrompt: inputs.negative_prompt ?? "",
      width: inputs.width ?? settings.width,
      height: inputs.height ?? settings.height,
      steps: inputs.num_steps ?? settings.steps,
      guidance: inputs.guidance ?? settings.guidance,
      strength: inputs.strength ?? 1,
      seed: inputs.seed ?? randomInt(0, 2 ** 32),
      ...(picture !== undefined ? { image: picture } : {}),
      ...(maskBytes !== undefined ? { mask: maskBytes } : {}),
      progress: stream,
    };
    return { stream, job };
  },

  async shape(result: EngineResult): Promise<RunResult> {
    if (result.kind !== "bytes") throw new OutpostError("INTERNAL", "text-to-image engine returned no image");
    return { kind: "bytes", contentType: result.contentType, body: toStream(result.chunks) };
  },
} satisfies Task;
