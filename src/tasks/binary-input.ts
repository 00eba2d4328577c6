import { OutpostError } from "../contract/index.js";

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A file sent as JSON's array of byte values, as base64 for the engine job. Checked with a
 * plain loop: zod over millions of numbers costs seconds.
 */
export function bytesField(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new OutpostError("INPUT_INVALID", `Type mismatch of '/${field}', 'array' not '${value === null ? "null" : typeof value}'`);
  const bytes = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const v: unknown = value[i];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 255) throw new OutpostError("INPUT_INVALID", `Invalid input at '/${field}/${i}': expected a byte (an integer 0–255)`);
    bytes[i] = v;
  }
  return Buffer.from(bytes).toString("base64");
}

/** A file sent as a base64 string (or a pasted `data:` URL of one); whatever else is not base64 is refused, not skipped. */
export function base64Field(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new OutpostError("INPUT_INVALID", `Type mismatch of '/${field}', 'string' not '${value === null ? "null" : typeof value}'`);
  const bare = value.replace(/^data:[\w/+.-]+;base64,/, "").replace(/\s+/g, "");
  if (!BASE64.test(bare) || bare.length % 4 === 1) throw new OutpostError("INPUT_INVALID", `Invalid input at '/${field}': not base64`);
  return bare;
}

/** A file the in-process binding or a raw request body hands over as bytes, as base64. */
export function binaryField(value: unknown): string | undefined {
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString("base64");
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
  return undefined;
}
