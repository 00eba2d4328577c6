import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { childPids, eventually, metric } from "../helpers/metrics.js";
import { readSse } from "../helpers/sse.js";
import { postJson, startServer, STORIES, TINYSTORIES_656K, type TestServer } from "../helpers/server.js";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

const run = (model: string, inputs: unknown) => postJson(`${server.url}/ai/run/${model}`, inputs);

function runnerPid(model: string): number | undefined {
  return childPids(server.process.pid!).find((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(model));
}

test("a model that aborts llama.cpp fails its request with 502, and the server keeps serving", async () => {
  assert.equal((await run(TINYSTORIES_656K, { prompt: "Once upon a time", max_tokens: 1 })).status, 200);
  // No gdb attach for a backtrace on abort: it held the crashed runner's answers for seconds.
  const environ = readFileSync(`/proc/${runnerPid(TINYSTORIES_656K)}/environ`, "utf8").split("\0");
  assert.ok(environ.includes("GGML_NO_BACKTRACE=1"));
  const crashed = await run(TINYSTORIES_656K, { prompt: "Once upon a time #", max_tokens: 8 });
  assert.equal(crashed.status, 502);
  const body = (await crashed.json()) as { success: boolean; errors: { code: number; message: string }[] };
  assert.equal(body.success, false);
  assert.equal(body.errors[0]?.code, 3043);
  assert.match(body.errors[0]?.message ?? "", /stopped \(signal SIGABRT\)/);

  const other = await run(STORIES, { prompt: "Once upon a time", max_tokens: 8 });
  assert.equal(other.status, 200);

  // The crashed model's runner is replaced (after a short backoff) and serves again.
  const again = await run(TINYSTORIES_656K, { prompt: "Once upon a time", max_tokens: 8 });
  assert.equal(again.status, 200);
  assert.ok(((await again.json()) as { result: { response: string } }).result.response.length > 0);
  assert.ok((await metric(server.url, "outpost_runner_restarts_total", { model: TINYSTORIES_656K })) >= 1);
});

test("a streamed request whose crash comes before the first token gets a proper 502", async () => {
  const response = await run(TINYSTORIES_656K, { prompt: "#", stream: true });
  assert.equal(response.status, 502);
  assert.match(response.headers.get("content-type") ?? "", /application\/json/);
});

test("a runner killed mid-stream ends the stream with an error event instead of hanging", async () => {
  await run(STORIES, { prompt: "Once", max_tokens: 1 });
  const pid = runnerPid(STORIES);
  assert.ok(pid, "the stories runner is a child of the server");
  const response = await run(STORIES, { prompt: "Once upon a time", max_tokens: 500, stream: true, seed: 3 });
  assert.equal(response.status, 200);
  let killed = false;
  const text = await readSse(response.body!, () => {
    if (!killed) {
      killed = true;
      process.kill(pid, "SIGKILL");
    }
  });
  assert.match(text, /event: error\ndata: \{"errors":\[\{"code":3043,"message":"The runner for @cf\/karpathy\/tinyllamas-stories-260k stopped \(signal SIGKILL\)[^"]*"\}\]\}\n\n$/);
  assert.doesNotMatch(text, /\[DONE\]/);

  const next = await run(STORIES, { prompt: "Once", max_tokens: 4 });
  assert.equal(next.status, 200);
  assert.ok(await eventually(async () => runnerPid(STORIES) !== undefined && runnerPid(STORIES) !== pid));
});
