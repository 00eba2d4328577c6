import { z } from "zod";
import { OutpostError } from "../contract/index.js";
import { binaryField, bytesField } from "./binary-input.js";
import type { BodyLimits } from "./body-limits.js";

/** Most bytes an image input may have (the request body limit, 10 MiB by default, binds first for JSON). */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/** `image` as Workers AI takes it in JSON: the file's bytes as an array of 0–255 integers. The served schema; imageField checks it. */
export const imageBytes = z.array(z.number().int().min(0).max(255)).min(1).max(MAX_IMAGE_BYTES).describe("The image file (PNG, JPEG, WebP, GIF…) as an array of bytes.");

/** An image body: one long array of small numbers and a few other fields. */
export const IMAGE_BODY_LIMITS: BodyLimits = { maxDepth: 4, maxValues: MAX_IMAGE_BYTES + 1_000, maxItems: MAX_IMAGE_BYTES, maxStringChars: 131_072 };

/**
 * The image's bytes as base64 for the engine job, from `{image: number[]}` or, from the
 * in-process binding, `{image: Uint8Array | ArrayBuffer}`. The array is checked with
 * bytesField's plain loop, not `imageBytes`: zod took about 7 ms of the server's event loop
 * for a 39 KB JPEG, half as long as resnet-50's stand-in takes to classify it. Whether the
 * bytes are an image is for the engine's decoder to say.
 */
export function imageField(image: unknown): string {
  const size = image instanceof ArrayBuffer || image instanceof Uint8Array ? image.byteLength : Array.isArray(image) ? image.length : undefined;
  if (size === undefined) throw new OutpostError("INPUT_INVALID", "Invalid input at '/image': expected the image's bytes, an array of integers 0–255");
  if (size === 0) throw new OutpostError("INPUT_INVALID", "Invalid input at '/image': the image is empty");
  if (size > MAX_IMAGE_BYTES) throw new OutpostError("INPUT_INVALID", `Invalid input at '/image': at most ${MAX_IMAGE_BYTES} bytes are allowed`);
  return binaryField(image) ?? bytesField(image, "image")!;
}
