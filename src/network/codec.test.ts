import assert from "node:assert/strict";
import { test } from "node:test";
import { CODEC_VERSION, decodeGrant, decodeReplies, decodeRunRequest, encodeGrant, encodeReply, encodeRunRequest, ReplyWriter } from "./codec.js";
import type { RunReply } from "./types.js";

const every: RunReply[] = [
  { t: "accept" },
  { t: "hb" },
  { t: "head", kind: "events" },
  { t: "head", kind: "json" },
  { t: "head", kind: "bytes", contentType: "image/png" },
  { t: "event", seq: 1, event: { type: "token", text: "Once" } },
  // A stream's first token carries the prompt's size.
  { t: "event", seq: 7, event: { type: "token", text: "Once", promptTokens: 5 } },
  { t: "event", seq: 8, ask: true, event: { type: "token", text: " 🐉 über" } },
  { t: "event", seq: 300, event: { type: "token", text: "x".repeat(5_000) } },
  { t: "event", seq: 301, event: { type: "call_text", text: '{"name":' } },
  { t: "event", seq: 302, event: { type: "done", usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }, finishReason: "length" } },
  { t: "event", seq: 303, event: { type: "error", error: { code: "TIMEOUT", message: "too slow" } } },
  { t: "chunk", seq: 2 ** 40, ask: true, data: new Uint8Array([0, 1, 2, 255]) },
  { t: "chunk", seq: 3, data: new Uint8Array(0) },
  { t: "end" },
  { t: "error", error: { code: "RUNNER_CRASHED", message: "boom" } },
  { t: "refuse", error: { code: "QUEUE_FULL", message: "busy" }, retry: true },
  { t: "pull", offset: 3 * 262_144 },
];

/** Chunk data decodes as a Uint8Array view; compare it as plain bytes. */
const plain = (replies: RunReply[]) => replies.map((r) => (r.t === "chunk" ? { ...r, data: [...r.data] } : r));

test("every frame and transport message survives the codec, several to one message, in order", () => {
  const writer = new ReplyWriter();
  for (const reply of every) writer.write(reply);
  const message = writer.take();
  assert.equal(message[0], CODEC_VERSION);
  assert.deepEqual(plain(decodeReplies(message)), plain(every));
  assert.ok(writer.empty, "take() starts the writer again");
  assert.deepEqual(decodeReplies(encodeReply({ t: "end" })), [{ t: "end" }]);
});

test("a token is its tag, seq and UTF-8 text: no JSON", () => {
  const message = encodeReply({ t: "event", seq: 5, event: { type: "token", text: " upon" } });
  assert.deepEqual([...message], [CODEC_VERSION, 6, 5, 5, ...new TextEncoder().encode(" upon")]);
});

test("a message from another codec version, or cut short, is refused", () => {
  const message = encodeReply({ t: "event", seq: 1, event: { type: "token", text: "Once" } });
  assert.throws(() => decodeReplies(Uint8Array.of(CODEC_VERSION + 1, 10)), /codec version/);
  assert.throws(() => decodeReplies(message.subarray(0, message.byteLength - 1)), /ends inside a frame/);
  assert.throws(() => decodeReplies(Uint8Array.of(CODEC_VERSION, 99)), /unknown tag 99/);
});

test("a credit grant round-trips, with and without cancel", () => {
  assert.deepEqual(decodeGrant(encodeGrant({ upTo: 24 })), { upTo: 24 });
  assert.deepEqual(decodeGrant(encodeGrant({ upTo: 0, cancel: true })), { upTo: 0, cancel: true });
  assert.throws(() => decodeGrant(new TextEncoder().encode('{"upTo":24}')), /cannot read/);
});

test("a run request carries the job's bytes as the caller encoded them, after its header", () => {
  const job = new TextEncoder().encode(JSON.stringify({ prompt: "Once upon a time 🐉", sampling: { maxTokens: 1 } }));
  const header = { id: "_INBOX.x.1", model: "@cf/x/y", rejectIfBusy: true, context: { requestId: "r-1", account: "acme", metadata: { tier: "gold" } } };
  const inline = decodeRunRequest(encodeRunRequest(header, job));
  assert.deepEqual(inline.request, header);
  assert.deepEqual([...inline.job], [...job]);
  // A job too large to go inline is announced, and nothing follows the header.
  const pulled = decodeRunRequest(encodeRunRequest({ ...header, jobBytes: 300_000 }, undefined));
  assert.equal(pulled.request.jobBytes, 300_000);
  assert.equal(pulled.job.byteLength, 0);
});

test("a run request from another codec version, or cut inside its header, is refused", () => {
  // A node before the binary run request sent JSON: its first byte is '{'.
  assert.throws(() => decodeRunRequest(new TextEncoder().encode('{"id":"a","model":"m","job":{}}')), /codec version 123/);
  const message = encodeRunRequest({ id: "a", model: "m" }, undefined);
  assert.throws(() => decodeRunRequest(message.subarray(0, message.byteLength - 1)), /ends inside its header/);
  assert.throws(() => decodeRunRequest(Uint8Array.of(CODEC_VERSION, 0)), /ends inside its header/);
});
