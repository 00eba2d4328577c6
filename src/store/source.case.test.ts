import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MODEL_MIRROR } from "../../test/helpers/server.js";
import type { Opened, Source } from "./source.js";

/** The file every Source suite serves. */
export const SUITE_FILE = join(MODEL_MIRROR, "TinyStories-656K-Q8_0.gguf");

async function read(opened: Opened): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of opened.body) parts.push(chunk);
  return Buffer.concat(parts);
}

/**
 * What every Source must do, run by each implementation's test with a source serving
 * SUITE_FILE: whole reads, resumes, and starting over when a resume cannot be trusted.
 */
export function runSourceSuite(name: string, makeSource: (t: { after(fn: () => unknown): void }) => Promise<Source>): void {
  const bytes = readFileSync(SUITE_FILE);
  const signal = new AbortController().signal;

  test(`${name}: reads the whole file from 0`, async (t) => {
    const opened = await (await makeSource(t)).open(0, undefined, signal);
    assert.equal(opened.start, 0);
    assert.equal(opened.totalBytes, bytes.length);
    assert.ok(opened.validator);
    assert.deepEqual(await read(opened), bytes);
  });

  test(`${name}: resumes from an offset when the validator still matches`, async (t) => {
    const source = await makeSource(t);
    const first = await source.open(0, undefined, signal);
    await first.cancel();
    const opened = await source.open(500_000, first.validator, signal);
    assert.equal(opened.start, 500_000);
    assert.equal(opened.totalBytes, bytes.length);
    assert.deepEqual(await read(opened), bytes.subarray(500_000));
  });

  test(`${name}: starts over when the file changed since the partial was written`, async (t) => {
    const opened = await (await makeSource(t)).open(500_000, '"some-other-version"', signal);
    assert.equal(opened.start, 0);
    assert.deepEqual(await read(opened), bytes);
  });

  test(`${name}: starts over from an offset past the end`, async (t) => {
    const opened = await (await makeSource(t)).open(bytes.length + 10, undefined, signal);
    assert.equal(opened.start, 0);
    assert.deepEqual(await read(opened), bytes);
  });
}
