import assert from "node:assert/strict";
import { test } from "node:test";
import type { EngineResult } from "./engine.js";
import { OutpostError } from "./errors.js";
import { FLOW_WINDOW_FRAMES, FRAME_CHUNK_BYTES, FrameReceiver, FrameSender, type Frame } from "./frames.js";
import type { RunEvent } from "./run.js";

/** A sender and a receiver joined in memory, each frame copied as the runner IPC's serialization copies it. */
function pair() {
  const abort = new AbortController();
  const sent: Frame[] = [];
  let cancelled = 0;
  // eslint-disable-next-line prefer-const
  let sender: FrameSender;
  const receiver = new FrameReceiver(
    (upTo) => sender.grant(upTo),
    () => {
      cancelled += 1;
      abort.abort();
    },
  );
  sender = new FrameSender((frame) => {
    sent.push(frame);
    receiver.push(structuredClone(frame));
  }, abort.signal);
  return { sender, receiver, sent, cancelled: () => cancelled };
}

async function* tokens(count: number, log?: number[]): AsyncIterable<RunEvent> {
  for (let i = 0; i < count; i++) {
    log?.push(i);
    yield { type: "token", text: `t${i}` };
  }
  yield { type: "done", usage: { prompt_tokens: 1, completion_tokens: count, total_tokens: count + 1 }, finishReason: "length" };
}

test("events cross in order and the sender never runs more than a window ahead of the consumer", async () => {
  const { sender, receiver } = pair();
  const produced: number[] = [];
  const piping = sender.pipe({ kind: "events", events: tokens(100, produced) });
  const result = await receiver.result;
  assert.equal(result.kind, "events");
  if (result.kind !== "events") return;
  const iterator = result.events[Symbol.asyncIterator]();
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(produced.length <= FLOW_WINDOW_FRAMES + 1, `produced ${produced.length} before anything was read`);
  const seen: string[] = [];
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) seen.push(next.value.type === "token" ? next.value.text : next.value.type);
  assert.equal(seen.length, 101);
  assert.equal(seen[99], "t99");
  assert.equal(seen[100], "done");
  assert.equal(await piping, "served");
});

test("a json value larger than many chunks arrives equal", async () => {
  const { sender, receiver, sent } = pair();
  const value = { data: Array.from({ length: 200_000 }, (_, i) => i / 7) };
  void sender.pipe({ kind: "json", value });
  const result = await receiver.result;
  assert.deepEqual(result, { kind: "json", value });
  assert.ok(sent.filter((f) => f.t === "chunk").length > 4);
});

test("a bytes body is re-chunked to FRAME_CHUNK_BYTES and arrives byte for byte", async () => {
  const { sender, receiver, sent } = pair();
  const body = new Uint8Array(3 * FRAME_CHUNK_BYTES + 5).map((_, i) => i % 251);
  void sender.pipe({ kind: "bytes", contentType: "image/png", chunks: (async function* () { yield body.subarray(0, 10); yield body.subarray(10); })() });
  const result = await receiver.result;
  if (result.kind !== "bytes") throw new Error("expected bytes");
  assert.equal(result.contentType, "image/png");
  const parts: Uint8Array[] = [];
  for await (const part of result.chunks) parts.push(part);
  assert.deepEqual(new Uint8Array(Buffer.concat(parts)), body);
  assert.ok(sent.every((f) => f.t !== "chunk" || f.data.byteLength <= FRAME_CHUNK_BYTES));
});

test("a failure before the result rejects it with the sender's error code", async () => {
  const { sender, receiver } = pair();
  sender.fail(new OutpostError("INPUT_TOO_LARGE", "too long"));
  await assert.rejects(receiver.result, (error: OutpostError) => error.code === "INPUT_TOO_LARGE" && error.message === "too long");
});

test("a consumer that stops early cancels, stops the engine and waits for the sender to let go", async () => {
  const { sender, receiver, cancelled } = pair();
  const produced: number[] = [];
  const piping = sender.pipe({ kind: "events", events: tokens(1_000, produced) });
  const result: EngineResult = await receiver.result;
  if (result.kind !== "events") throw new Error("expected events");
  for await (const event of result.events) if (event.type === "token" && event.text === "t3") break;
  assert.equal(cancelled(), 1);
  assert.equal(await piping, "cancelled");
  assert.ok(produced.length < 1_000);
});

test("a stream never read still cancels on return()", async () => {
  const { sender, receiver, cancelled } = pair();
  const piping = sender.pipe({ kind: "events", events: tokens(1_000) });
  const result = await receiver.result;
  if (result.kind !== "events") throw new Error("expected events");
  await result.events[Symbol.asyncIterator]().return?.();
  assert.equal(cancelled(), 1);
  assert.equal(await piping, "cancelled");
});

test("a read after return() reports the end only once the sender has let go", async () => {
  let cancelled = 0;
  const receiver = new FrameReceiver(
    () => undefined,
    () => (cancelled += 1),
  );
  receiver.push({ t: "head", kind: "events" });
  const result = await receiver.result;
  if (result.kind !== "events") throw new Error("expected events");
  const iterator = result.events[Symbol.asyncIterator]();
  // A read is in flight when the consumer stops, as when a client leaves during a slow step.
  const inFlight = iterator.next();
  const returned = iterator.return!();
  assert.equal(cancelled, 1);
  receiver.push({ t: "event", seq: 1, event: { type: "token", text: "a" } });
  assert.deepEqual(await inFlight, { done: false, value: { type: "token", text: "a" } });
  const order: string[] = [];
  const next = iterator.next().then((step) => order.push(`next done=${step.done}`));
  void returned.then(() => order.push("returned"));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, [], "the end came before the sender's terminal frame");
  receiver.push({ t: "error", error: { code: "ABORTED", message: "The request was cancelled" } });
  await Promise.all([next, returned]);
  assert.deepEqual(order.sort(), ["next done=true", "returned"]);
});

test("a transport failure mid-stream ends events with an error event and bodies with a throw", async () => {
  const events = new FrameReceiver(() => undefined, () => undefined);
  events.push({ t: "head", kind: "events" });
  events.push({ t: "event", seq: 1, event: { type: "token", text: "a" } });
  events.fail(new OutpostError("RUNNER_CRASHED", "gone"));
  const result = await events.result;
  if (result.kind !== "events") throw new Error("expected events");
  const seen: RunEvent[] = [];
  for await (const event of result.events) seen.push(event);
  assert.deepEqual(seen.map((e) => e.type), ["token", "error"]);

  const bytes = new FrameReceiver(() => undefined, () => undefined);
  bytes.push({ t: "head", kind: "bytes", contentType: "image/png" });
  bytes.fail(new OutpostError("RUNNER_CRASHED", "gone"));
  const body = await bytes.result;
  if (body.kind !== "bytes") throw new Error("expected bytes");
  await assert.rejects(async () => {
    for await (const _ of body.chunks);
  }, (error: OutpostError) => error.code === "RUNNER_CRASHED");
});
