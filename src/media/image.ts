import sharp, { type Metadata } from "sharp";
import { OutpostError } from "../contract/index.js";

/**
 * Pixels an input image may have before it is decoded: 4096² (16.8 MP, 50 MiB of RGB). sharp
 * checks it against the header, so a 20000×20000 PNG of a few KB is refused before any pixel
 * is inflated.
 */
export const MAX_INPUT_PIXELS = 4096 * 4096;

/** Smallest side accepted: below it a picture carries nothing a model can use (a 1×1 PNG is a probe, not an input). */
export const MIN_INPUT_SIDE = 16;

/**
 * Raster formats a caller may send. SVG and PDF are left out on purpose: they are programs
 * (fonts, external references, unbounded render cost) rather than pictures.
 */
const ACCEPTED_FORMATS = new Set(["png", "jpeg", "webp", "gif", "tiff", "heif", "avif"]);

/** Decoded pixels, row-major, `channels` bytes each. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** A decoded input and the size it had before any resize. */
export interface DecodedImage extends RawImage {
  source: { width: number; height: number };
}

export interface DecodeOptions {
  /** The input field, for error messages: `/image`, `/mask`. */
  field: string;
  /** Resize to exactly this size (stretching, as diffusers' image processor does). */
  width?: number;
  height?: number;
  /** One grey channel (masks) instead of RGB. */
  grey?: boolean;
}

/**
 * Decodes an encoded picture to 8-bit RGB or grey. Anything that is not a picture of an accepted
 * format within MAX_INPUT_PIXELS is INPUT_INVALID naming the field; CMYK, 16-bit, palette and
 * alpha inputs are converted, and only the first frame of an animation is used.
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions): Promise<DecodedImage> {
  const { field } = options;
  if (bytes.byteLength === 0) throw new OutpostError("INPUT_INVALID", `Invalid input at '${field}': the image is empty`);
  const input = () => sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: "error", animated: false });
  let metadata: Metadata;
  try {
    metadata = await input().metadata();
  } catch (error) {
    if (/pixel limit/i.test((error as Error).message)) throw tooManyPixels(field);
    throw new OutpostError("INPUT_INVALID", `Invalid input at '${field}': not an image in a supported format (PNG, JPEG, WebP, GIF, TIFF, HEIF, AVIF)`);
  }
  if (!metadata.format || !ACCEPTED_FORMATS.has(metadata.format)) {
    throw new OutpostError("INPUT_INVALID", `Invalid input at '${field}': ${metadata.format ?? "unknown"} images are not accepted; send PNG, JPEG, WebP, GIF, TIFF, HEIF or AVIF`);
  }
  const { width = 0, height = 0 } = metadata;
  if (width * height > MAX_INPUT_PIXELS) throw tooManyPixels(field);
  if (width < MIN_INPUT_SIDE || height < MIN_INPUT_SIDE) {
    throw new OutpostError("INPUT_INVALID", `Invalid input at '${field}': the image is ${width}×${height}; it must be at least ${MIN_INPUT_SIDE}×${MIN_INPUT_SIDE} pixels`);
  }
  let pipeline = input().rotate().removeAlpha();
  if (options.width !== undefined && options.height !== undefined) pipeline = pipeline.resize(options.width, options.height, { fit: "fill" });
  pipeline = options.grey ? pipeline.greyscale().toColourspace("b-w") : pipeline.toColourspace("srgb");
  try {
    const { data, info } = await pipeline.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: options.grey ? 1 : 3, source: { width, height } };
  } catch {
    throw new OutpostError("INPUT_INVALID", `Invalid input at '${field}': the image could not be decoded (truncated or corrupt)`);
  }
}

function tooManyPixels(field: string): OutpostError {
  return new OutpostError("INPUT_INVALID", `Invalid input at '${field}': the image has more than ${MAX_INPUT_PIXELS} pixels (4096×4096), the most accepted`);
}

/** Encodes 8-bit RGB pixels as PNG. Deterministic: the same pixels give the same bytes. */
export async function encodePng(image: RawImage): Promise<Uint8Array> {
  const buffer = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } }).png().toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
