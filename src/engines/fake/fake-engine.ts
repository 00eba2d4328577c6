import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import { OutpostError, type Engine, type EngineJob, type EngineLoadOptions, type EngineResult, type LoadedModel, type RunEvent } from "../../contract/index.js";

/**
 * What the fake engine is asked for. Its output is a pure function of the job, so a test can
 * check every byte that crossed a transport without a model file.
 */
export type FakeJob =
  | { kind: "tokens"; count: number }
  | { kind: "json"; numbers: number }
  | { kind: "echo"; value: unknown }
  | { kind: "bytes"; sizeBytes: number; contentType: string }
  | { kind: "hold"; until: string }
  | { kind: "block"; ms: number }
  | { kind: "spin" }
  | { kind: "fail"; code: "INPUT_INVALID" | "INTERNAL"; message: string };

/** Longest a `hold` job blocks its process when its file never appears. */
const HOLD_MAX_MS = 10_000;
/**
 * For the runner's tests: a load blocks this process's event loop this long, as
 * onnxruntime-node's synchronous session creation does for a big model.
 */
const LOAD_BLOCK_ENV = "OUTPOST_FAKE_LOAD_BLOCK_MS";
/** Likewise for creating the engine, as getLlama's native probe of the GPU backends can. */
const CREATE_BLOCK_ENV = "OUTPOST_FAKE_CREATE_BLOCK_MS";

/** Byte `i` of a fake body. */
export const fakeByte = (i: number): number => (i * 31 + 7) & 0xff;

/**
 * A deterministic engine with no weights, for the transports' and the scheduler's tests: it
 * streams `count` tokens, answers a json value of `numbers` numbers (or the job's own `value`),
 * or a body of `sizeBytes` bytes produced in uneven pieces, and stops at once when aborted.
 * A `hold` job computes as onnxruntime-node does, synchronously inside a setImmediate: it blocks
 * the event loop until the file `until` exists (or HOLD_MAX_MS), then answers `{released}`;
 * a `block` job likewise blocks it for `ms`, as one long native call does, then answers
 * `{blockedMs}`. A `spin` job answers `{spinning: true}`, then spins this thread in JavaScript
 * for good, outside any job, as a bug in a runner's own code would.
 */
export class FakeEngine implements Engine {
  constructor() {
    block(Number(process.env[CREATE_BLOCK_ENV] ?? 0));
  }

  async load(options: EngineLoadOptions): Promise<LoadedModel> {
    const { size } = await stat(options.path);
    block(Number(process.env[LOAD_BLOCK_ENV] ?? 0));
    return {
      info: { sizeBytes: size },
      run: async (job, signal) => run(job, signal),
      [Symbol.asyncDispose]: async () => undefined,
    };
  }
}

function run(raw: EngineJob, signal: AbortSignal): EngineResult | Promise<EngineResult> {
  const job = raw as FakeJob;
  switch (job.kind) {
    case "tokens":
      return { kind: "events", events: tokens(job.count, signal) };
    case "json":
      return { kind: "json", value: { data: Array.from({ length: job.numbers }, (_, i) => i / 8) } };
    case "echo":
      return { kind: "json", value: job.value };
    case "bytes":
      return { kind: "bytes", contentType: job.contentType, chunks: body(job.sizeBytes, signal) };
    case "hold":
      return new Promise((resolve) => setImmediate(() => resolve({ kind: "json", value: { released: hold(job.until) } })));
    case "block":
      return new Promise((resolve) => setImmediate(() => resolve({ kind: "json", value: { blockedMs: block(job.ms) } })));
    case "spin":
      setTimeout(() => {
        for (;;);
      }, 50);
      return { kind: "json", value: { spinning: true } };
    case "fail":
      throw new OutpostError(job.code, job.message);
  }
}

/** Blocks this thread, 5 ms at a time, until `path` exists or HOLD_MAX_MS pass; whether it appeared. */
function hold(path: string): boolean {
  const deadline = Date.now() + HOLD_MAX_MS;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (!existsSync(path)) {
    if (Date.now() >= deadline) return false;
    Atomics.wait(sleeper, 0, 0, 5);
  }
  return true;
}

/** Blocks this thread for `ms` without using a core, as a native call waiting on its own threads does; how long it was. */
function block(ms: number): number {
  const started = performance.now();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return Math.round(performance.now() - started);
}

async function* tokens(count: number, signal: AbortSignal): AsyncIterable<RunEvent> {
  for (let i = 0; i < count; i++) {
    if (signal.aborted) throw new OutpostError("ABORTED", "The request was cancelled");
    yield { type: "token", text: `t${i} ` };
  }
  yield { type: "done", usage: { prompt_tokens: 0, completion_tokens: count, total_tokens: count }, finishReason: "length" };
}

/** Pieces of 100 KiB and 1 MiB in turn, so re-chunking to the frame size is exercised both ways. */
async function* body(sizeBytes: number, signal: AbortSignal): AsyncIterable<Uint8Array> {
  let offset = 0;
  for (let piece = 0; offset < sizeBytes; piece++) {
    if (signal.aborted) throw new OutpostError("ABORTED", "The request was cancelled");
    const length = Math.min(piece % 2 === 0 ? 100 * 1024 : 1024 * 1024, sizeBytes - offset);
    const chunk = new Uint8Array(length);
    for (let i = 0; i < length; i++) chunk[i] = fakeByte(offset + i);
    offset += length;
    yield chunk;
  }
}
