import { Hono, type Context } from "hono";
import sharp from "sharp";
import { MAX_INPUT_PIXELS } from "../media/image.js";
import { OutpostError, type RunResult } from "../contract/index.js";
import { bodyLimitsFor } from "../tasks/index.js";
import type { BodyReader } from "./body.js";
import type { ApiDeps } from "./deps.js";
import { openAiError, requireBody, requireModel } from "./openai.js";
import { runOptions } from "./run-options.js";

/** Most images one request may ask for: they are made one after another on the same slot. */
const MAX_IMAGES = 4;

/** Workers AI text-to-image fields an OpenAI request may also carry (Outpost's extension); form fields are text, so numbers are named. */
const NUMBER_FIELDS = ["num_steps", "guidance", "strength", "seed"] as const;
const PASSTHROUGH = ["negative_prompt", ...NUMBER_FIELDS] as const;

function sizeInputs(size: unknown): { width?: number; height?: number } {
  if (size === undefined || size === null || size === "auto") return {};
  const match = typeof size === "string" ? /^(\d{1,5})x(\d{1,5})$/.exec(size) : null;
  if (!match) throw new OutpostError("INPUT_INVALID", "Invalid input at '/size': expected 'WIDTHxHEIGHT' (e.g. '1024x1024') or 'auto'");
  return { width: Number(match[1]), height: Number(match[2]) };
}

function count(n: unknown): number {
  if (n === undefined || n === null) return 1;
  const value = typeof n === "string" ? Number(n) : n;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_IMAGES) throw new OutpostError("INPUT_INVALID", `Invalid input at '/n': expected an integer from 1 to ${MAX_IMAGES}`);
  return value;
}

function responseFormat(format: unknown): void {
  if (format === undefined || format === null || format === "b64_json") return;
  if (format === "url") throw new OutpostError("INPUT_INVALID", "Invalid input at '/response_format': Outpost keeps no image files to link to; use 'b64_json'");
  throw new OutpostError("INPUT_INVALID", "Invalid input at '/response_format': expected 'b64_json'");
}

async function pngBase64(result: RunResult): Promise<string> {
  if (result.kind !== "bytes") throw new OutpostError("INTERNAL", "The model returned no image");
  return Buffer.from(await new Response(result.body).arrayBuffer()).toString("base64");
}

/**
 * OpenAI's mask marks what to repaint with transparency; Workers AI's with white. The alpha
 * channel becomes that grey mask (same pixel limit as every decoded input).
 */
async function maskFromAlpha(file: File): Promise<number[]> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    const input = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: "error" });
    const { hasAlpha } = await input.metadata();
    const grey = hasAlpha ? input.ensureAlpha().extractChannel("alpha").negate() : input.greyscale();
    return Array.from(await grey.png().toBuffer());
  } catch {
    throw new OutpostError("INPUT_INVALID", "Invalid input at '/mask': not an image in a supported format");
  }
}

/** `POST /v1/images/generations` and `/v1/images/edits`: the OpenAI images API over the text-to-image task. */
export function openAiImageRoutes(deps: ApiDeps, body: BodyReader): Hono {
  const app = new Hono();

  const answer = async (c: Context, model: string, inputs: Record<string, unknown>, n: number, options: unknown) => {
    const data: { b64_json: string }[] = [];
    const seed = inputs.seed;
    for (let i = 0; i < n; i++) {
      // Seeded requests stay reproducible image by image: image i uses seed + i.
      const these = typeof seed === "number" ? { ...inputs, seed: seed + i } : inputs;
      data.push({ b64_json: await pngBase64(await deps.run(model, these, runOptions(c, options))) });
    }
    return c.json({ created: Math.floor(Date.now() / 1000), data });
  };

  app.post("/generations", async (c) => {
    try {
      const fields = requireBody(await body.read(c, bodyLimitsFor("text-to-image")));
      const model = requireModel(c, deps, fields, "text-to-image");
      responseFormat(fields.response_format);
      const inputs: Record<string, unknown> = { prompt: fields.prompt, ...sizeInputs(fields.size) };
      for (const field of PASSTHROUGH) if (fields[field] !== undefined) inputs[field] = fields[field];
      return await answer(c, model, inputs, count(fields.n), fields.options);
    } catch (error) {
      return openAiError(error);
    }
  });

  app.post("/edits", async (c) => {
    try {
      const form = await body.readForm(c);
      const text = (name: string) => {
        const value = form.get(name);
        return typeof value === "string" ? value : undefined;
      };
      const model = requireModel(c, deps, { model: text("model") }, "text-to-image");
      responseFormat(text("response_format"));
      const image = form.get("image") ?? form.get("image[]");
      if (!(image instanceof File)) throw new OutpostError("INPUT_INVALID", "Invalid input at '/image': expected an image file");
      const inputs: Record<string, unknown> = { prompt: text("prompt"), image_b64: Buffer.from(await image.arrayBuffer()).toString("base64"), ...sizeInputs(text("size")) };
      const mask = form.get("mask");
      if (mask instanceof File) inputs.mask = await maskFromAlpha(mask);
      const negative = text("negative_prompt");
      if (negative !== undefined) inputs.negative_prompt = negative;
      for (const field of NUMBER_FIELDS) {
        const value = text(field);
        // Not a number stays text, so the task's validation names the field.
        if (value !== undefined) inputs[field] = value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
      }
      return await answer(c, model, inputs, count(text("n")), undefined);
    } catch (error) {
      return openAiError(error);
    }
  });

  return app;
}
