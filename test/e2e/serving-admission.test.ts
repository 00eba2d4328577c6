import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createOutpost, type Outpost } from "../../src/cli/outpost.js";
import { MODEL_MIRROR, STORIES } from "../helpers/server.js";

// In-process, through the env.AI binding: no kernel socket buffers sit between generation and
// the reader, so what the reader does is exactly what the runner sees.
let outpost: Outpost;
let dataDir: string;
before(() => {
  dataDir = mkdtempSync(join(tmpdir(), "outpost-admission-"));
  outpost = createOutpost({ modelMirror: MODEL_MIRROR, dataDir, slots: 1, maxQueue: 1, queueTimeoutMs: 20_000 });
});
after(() => {
  outpost?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const status = () => outpost.scheduler.status().find((s) => s.model === STORIES);
const completionTokens = async () => (await outpost.requests.completionTokens.get()).values.find((v) => v.labels.model === STORIES)?.value ?? 0;
const openStream = (maxTokens: number): Promise<ReadableStream<Uint8Array>> =>
  outpost.ai.run(STORIES, { prompt: "Once upon a time", max_tokens: maxTokens, stream: true, seed: 1 });

async function drain(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

test("an unread stream pauses its generation and holds its slot; reading resumes it", async () => {
  await outpost.ai.run(STORIES, { prompt: "warm up", max_tokens: 1 });
  const before = await completionTokens();
  const stream = await openStream(200);
  // 200 tokens of this model take well under a second when nobody pauses them.
  await new Promise((r) => setTimeout(r, 2_000));
  assert.equal(status()?.active, 1, "the slot is still held");
  assert.equal(await completionTokens(), before, "generation has not reached its end");
  const text = await drain(stream);
  assert.match(text, /"usage":\{"prompt_tokens":\d+,"completion_tokens":200,"total_tokens":\d+\}\}\n\ndata: \[DONE\]\n\n$/);
  assert.equal(status()?.active, 0);
});

test("past the queue bound requests are refused at once with 3040; rejectIfBusy never queues", async (t) => {
  const holder = await openStream(200);
  t.after(() => holder.cancel().catch(() => undefined));
  const queued = outpost.ai.run(STORIES, { prompt: "Once", max_tokens: 4 });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(status()?.queued, 1);

  let started = performance.now();
  await assert.rejects(outpost.ai.run(STORIES, { prompt: "Once", max_tokens: 4 }), (error: Error) => {
    assert.equal(error.name, "OutOfCapacity");
    assert.match(error.message, /^3040: Out of capacity/);
    return true;
  });
  const refusedMs = performance.now() - started;
  started = performance.now();
  await assert.rejects(outpost.ai.run(STORIES, { prompt: "Once", max_tokens: 4 }, { rejectIfBusy: true }), (error: Error) => /^3040: Out of capacity: \S+ is busy$/.test(error.message));
  assert.ok(refusedMs < 1_000 && performance.now() - started < 1_000, "refusals do not wait");

  // Cancelling the holder frees the slot for the queued request; if the cancel did not reach
  // the runner, its sequence would still be taken and the queued request would fail.
  await holder.cancel();
  const result = (await queued) as { response: string };
  assert.ok(result.response.length > 0);
  assert.equal(status()?.active, 0);
});

test("a request that waits longer than the queue timeout fails with 3007", async () => {
  const holder = await openStream(200);
  try {
    await assert.rejects(outpost.run(STORIES, { prompt: "Once", max_tokens: 4 }, { queueTimeoutMs: 300 }), (error: Error & { code?: string }) => {
      assert.equal(error.code, "TIMEOUT");
      return true;
    });
  } finally {
    await holder.cancel();
  }
});

test("an aborted request stops generating and frees its slot", async () => {
  const abort = new AbortController();
  const stream: ReadableStream<Uint8Array> = await outpost.ai.run(STORIES, { prompt: "Once upon a time", max_tokens: 400, stream: true }, { signal: abort.signal });
  const reader = stream.getReader();
  await reader.read();
  const before = await completionTokens();
  abort.abort();
  await assert.rejects(async () => {
    while (!(await reader.read()).done);
  }).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(status()?.active, 0);
  assert.equal(await completionTokens(), before, "the aborted stream never reached done");
  const next = (await outpost.ai.run(STORIES, { prompt: "Once", max_tokens: 4 })) as { response: string };
  assert.ok(next.response.length > 0);
});
