import sharp, { type Metadata, type Sharp } from "sharp";
import { OutpostError } from "../../contract/index.js";

/** Most pixels an input image may declare (about 50 megapixels, 7000×7000): checked from the header, before decoding. */
export const MAX_INPUT_PIXELS = 50_000_000;
/** Smallest side accepted: a 1×1 image carries nothing to classify or detect. */
export const MIN_IMAGE_SIDE = 8;

export interface DecodedImage {
  data: Uint8ClampedArray;
  width: number;
  height: number;
  channels: 3;
}

/**
 * Decodes PNG, JPEG, WebP, GIF, TIFF… to 8-bit sRGB pixels with sharp. The pixel limit is
 * checked from the header, so a 40000×40000 header is refused without allocating; CMYK and
 * 16-bit inputs are converted, animations give their first frame.
 */
export async function decodeImage(bytes: Uint8Array, field: string): Promise<DecodedImage> {
  if (bytes.length === 0) throw new OutpostError("INPUT_INVALID", `Invalid input at '${field}': the image is empty`);
  let image: Sharp;
  let meta: Metadata;
  try {
    image = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: "error", pages: 1 });
    meta = await image.metadata();
  } catch {
    throw new OutpostError("INPUT_INVALID", `Invalid input at '${field}': not an image sharp can decode (PNG, JPEG, WebP, GIF, TIFF, AVIF)`);
  }
  const { width = 0, height = 0 } = meta;
  if (width * height > MAX_INPUT_PIXELS) {
    throw new OutpostError("INPUT_INVALID", `Invalid input at '${field}': the image is ${width}×${height}, more than ${MAX_INPUT_PIXELS} pixels`);
  }
  if (width < MIN_IMAGE_SIDE || height < MIN_IMAGE_SIDE) {
    throw new OutpostError("INPUT_INVALID", `Invalid input at '${field}': the image is ${width}×${height}; each side must be at least ${MIN_IMAGE_SIDE} pixels`);
  }
  try {
    const { data, info } = await image.rotate().toColourspace("srgb").removeAlpha().raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
    return { data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: 3 };
  } catch {
    throw new OutpostError("INPUT_INVALID", `Invalid input at '${field}': the image data is corrupt or truncated`);
  }
}
