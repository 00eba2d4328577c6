import { z } from "zod";
import { OutpostError } from "../contract/index.js";
import type { BodyLimits } from "./body-limits.js";

/** Most bytes an image input may have (the request body limit, 10 MiB by default, binds first for JSON). */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/** `image` as Workers AI takes it in JSON: the file's bytes as an array of 0–255 integers. */
export const imageBytes = z.array(z.number().int().min(0).max(255)).min(1).max(MAX_IMAGE_BYTES).describe("The image file (PNG, JPEG, WebP, GIF…) as an array of bytes.");

/** An image body: one long array of small numbers and a few other fields. */
export const IMAGE_BODY_LIMITS: BodyLimits = { maxDepth: 4, maxValues: MAX_IMAGE_BYTES + 1_000, maxItems: MAX_IMAGE_BYTES, maxStringChars: 131_072 };

/**
 * The image's bytes as base64 for the engine job, from `{image: number[]}` or, from the
 * in-process binding, `{image: Uint8Array | ArrayBuffer}`. Whether they are an image is for
 * the engine's decoder to say.
 */
export function imageField(fields: Record<string, unknown>, parse: (fields: Record<string, unknown>) => unknown): string {
  const image = fields.image;
  if (image instanceof Uint8Array || image instanceof ArrayBuffer) {
    const bytes = image instanceof ArrayBuffer ? new Uint8Array(image) : image;
    if (bytes.length === 0) throw new OutpostError("INPUT_INVALID", "Invalid input at '/image': the image is empty");
    if (bytes.length > MAX_IMAGE_BYTES) throw new OutpostError("INPUT_INVALID", `Invalid input at '/image': at most ${MAX_IMAGE_BYTES} bytes are allowed`);
    parse({ ...fields, image: [0] });
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  }
  if (Array.isArray(image) && image.length > MAX_IMAGE_BYTES) throw new OutpostError("INPUT_INVALID", `Invalid input at '/image': at most ${MAX_IMAGE_BYTES} bytes are allowed`);
  const parsed = parse(fields) as { image: number[] };
  return Buffer.from(parsed.image).toString("base64");
}
