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
