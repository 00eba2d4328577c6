import type { Context } from "hono";
import { OutpostError } from "../contract/index.js";

/**
 * Reads and parses a JSON body, refusing more than `maxBytes` without buffering past it:
 * a declared length over the limit is refused before reading, a stream that runs over it is
 * cut off.
 */
export async function readJson(c: Context, maxBytes: number): Promise<unknown> {
  const declared = Number(c.req.header("content-length") ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const body = c.req.raw.body;
  if (!body) throw missingBody();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  if (size === 0) throw missingBody();
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new OutpostError("INPUT_INVALID", "Malformed request body: not UTF-8 text");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new OutpostError("INPUT_INVALID", `Malformed JSON body: ${(error as Error).message}`);
  }
}

function tooLarge(maxBytes: number): OutpostError {
  return new OutpostError("INPUT_TOO_LARGE", `Request is too large: the body limit is ${maxBytes} bytes`);
}

function missingBody(): OutpostError {
  return new OutpostError("REQUEST_INCOMPLETE", "Request is missing headers or body: body");
}
