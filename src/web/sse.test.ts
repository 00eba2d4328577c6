import assert from "node:assert/strict";
import { test } from "node:test";
import { SseParser, readSse } from "./sse.js";

const WORKERS_STREAM = 'data: {"response":"Once"}\n\ndata: {"response":" upon"}\n\ndata: {"response":"","usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}\n\ndata: [DONE]\n\n';

test("events split across arbitrary chunk boundaries come out whole and in order", () => {
  for (let size = 1; size <= WORKERS_STREAM.length; size += 7) {
    const parser = new SseParser();
    const events = [];
    for (let i = 0; i < WORKERS_STREAM.length; i += size) events.push(...parser.push(WORKERS_STREAM.slice(i, i + size)));
    assert.deepEqual(events.map((e) => e.data), ['{"response":"Once"}', '{"response":" upon"}', '{"response":"","usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}', "[DONE]"], `chunks of ${size}`);
  }
});

test("named events, multi-line data, comments and CRLF follow the spec", () => {
  const parser = new SseParser();
  const events = parser.push(': keep-alive\r\n\r\nevent: error\r\ndata: {"errors":[{"code":3040,\r\ndata:"message":"busy"}]}\r\n\r\nid: 3\n\n');
  assert.deepEqual(events, [{ event: "error", data: '{"errors":[{"code":3040,\n"message":"busy"}]}' }]);
});

test("readSse yields the events of a body and flushes a last event without its blank line", async () => {
  const bytes = new TextEncoder().encode('data: {"response":"é"}\n\ndata: [DONE]');
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // Split inside the two-byte "é" to check decoding across chunks.
      const cut = bytes.indexOf(0xc3) + 1;
      controller.enqueue(bytes.slice(0, cut));
      controller.enqueue(bytes.slice(cut));
      controller.close();
    },
  });
  const data = [];
  for await (const event of readSse(body)) data.push(event.data);
  assert.deepEqual(data, ['{"response":"é"}', "[DONE]"]);
});

test("leaving readSse early cancels the body", async () => {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(new TextEncoder().encode('data: {"response":"x"}\n\n'));
    },
    cancel() {
      cancelled = true;
    },
  });
  for await (const _ of readSse(body)) break;
  assert.equal(cancelled, true);
});
