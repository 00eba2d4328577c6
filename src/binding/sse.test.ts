import assert from "node:assert/strict";
import { test } from "node:test";
import type { RunEvent } from "../contract/index.js";
import { toByteStream, workersSseEvent } from "./sse.js";

async function* events(list: RunEvent[]): AsyncGenerator<RunEvent> {
  yield* list;
}

test("the Workers AI stream bytes: token events, a usage event, [DONE]", async () => {
  const body = toByteStream(
    events([
      { type: "token", text: "Hi" },
      { type: "token", text: " \"there\" 🙂" },
      { type: "done", usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 }, finishReason: "stop" },
    ]),
    workersSseEvent,
  );
  assert.equal(
    await new Response(body).text(),
    'data: {"response":"Hi"}\n\ndata: {"response":" \\"there\\" 🙂"}\n\ndata: {"response":"","usage":{"prompt_tokens":2,"completion_tokens":2,"total_tokens":4}}\n\ndata: [DONE]\n\n',
  );
});

test("a failure mid-stream ends with an error event and no [DONE]", async () => {
  const body = toByteStream(events([{ type: "token", text: "a" }, { type: "error", error: { code: "RUNNER_CRASHED", message: "gone" } }]), workersSseEvent);
  assert.equal(await new Response(body).text(), 'data: {"response":"a"}\n\nevent: error\ndata: {"errors":[{"code":3043,"message":"gone"}]}\n\n');
});

async function chunks(body: ReadableStream<Uint8Array>): Promise<string[]> {
  const texts: string[] = [];
  const reader = body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) texts.push(new TextDecoder().decode(read.value));
  return texts;
}

const usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };

test("events ready in the same turn leave as one chunk, one socket write", async () => {
  const body = toByteStream(events([{ type: "token", text: "a" }, { type: "token", text: "b" }, { type: "done", usage, finishReason: "stop" }]), workersSseEvent);
  assert.deepEqual(await chunks(body), [`data: {"response":"a"}\n\ndata: {"response":"b"}\n\ndata: {"response":"","usage":${JSON.stringify(usage)}}\n\ndata: [DONE]\n\n`]);
});

test("a later event is its own chunk, and one that shows nothing does not stall the stream", async () => {
  async function* spaced(): AsyncGenerator<RunEvent> {
    yield { type: "token", text: "a" };
    await new Promise((resolve) => setTimeout(resolve, 20));
    yield { type: "call_text", text: "{}" };
    await new Promise((resolve) => setTimeout(resolve, 20));
    yield { type: "token", text: "b" };
    yield { type: "done", usage, finishReason: "stop" };
  }
  assert.deepEqual(await chunks(toByteStream(spaced(), workersSseEvent)), [
    'data: {"response":"a"}\n\n',
    `data: {"response":"b"}\n\ndata: {"response":"","usage":${JSON.stringify(usage)}}\n\ndata: [DONE]\n\n`,
  ]);
});

test("a source that fails while its next event is held over ends the stream with an error event", async () => {
  async function* failing(): AsyncGenerator<RunEvent> {
    yield { type: "token", text: "a" };
    await new Promise((resolve) => setTimeout(resolve, 20));
    throw new Error("gone");
  }
  const texts = await chunks(toByteStream(failing(), workersSseEvent));
  assert.equal(texts.length, 2);
  assert.equal(texts[0], 'data: {"response":"a"}\n\n');
  assert.match(texts[1]!, /^event: error\ndata: \{"errors":\[\{"code":\d+,"message":"[^"]*"\}\]\}\n\n$/);
});
