import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { envelopeError, openAiError } from "../helpers/http.js";
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

const POISON = /^This input crashed the runner of @cf\/raincandy-u\/tinystories-656k twice \(The runner for @cf\/raincandy-u\/tinystories-656k stopped \(signal SIGABRT\).*\); the same input is refused for 600 s$/;

test("an input that aborts llama.cpp is tried twice, then refused with 422; the server keeps serving", async () => {
  assert.equal((await run(TINYSTORIES_656K, { prompt: "Once upon a time", max_tokens: 1 })).status, 200);
  // No gdb attach for a backtrace on abort: it held the crashed runner's answers for seconds.
  const environ = readFileSync(`/proc/${runnerPid(TINYSTORIES_656K)}/environ`, "utf8").split("\0");
  assert.ok(environ.includes("GGML_NO_BACKTRACE=1"));
  await envelopeError(await run(TINYSTORIES_656K, { prompt: "Once upon a time #", max_tokens: 8 }), 422, 3048, POISON);
  assert.equal(await metric(server.url, "outpost_runner_restarts_total", { model: TINYSTORIES_656K }), 2);

  const other = await run(STORIES, { prompt: "Once upon a time", max_tokens: 8 });
  assert.equal(other.status, 200);

  // The crashed model's runner is replaced and serves again.
  const again = await run(TINYSTORIES_656K, { prompt: "Once upon a time", max_tokens: 8 });
  assert.equal(again.status, 200);
  assert.ok(((await again.json()) as { result: { response: string } }).result.response.length > 0);
});

test("a streamed poison request whose crash comes before the first token gets a proper JSON error", async () => {
  const response = await run(TINYSTORIES_656K, { prompt: "#", stream: true });
  assert.equal(response.status, 422);
  assert.match(response.headers.get("content-type") ?? "", /application\/json/);
});

test("innocent streams in flight beside a poison input are retried on the next runner and complete", async () => {
  await run(TINYSTORIES_656K, { prompt: "Once", max_tokens: 1 });
  const restarts = await metric(server.url, "outpost_runner_restarts_total", { model: TINYSTORIES_656K });
  // Frozen, the runner takes all four requests in one read when it resumes: the poison aborts it
  // before any innocent stream has its first token.
  const pid = runnerPid(TINYSTORIES_656K)!;
  process.kill(pid, "SIGSTOP");
  const innocents = [1, 2, 3].map((seed) => run(TINYSTORIES_656K, { prompt: "Once upon a time", max_tokens: 12, stream: true, seed }));
  const poison = run(TINYSTORIES_656K, { prompt: "Once upon a time there was a #", max_tokens: 8 });
  await new Promise((r) => setTimeout(r, 500));
  process.kill(pid, "SIGCONT");
  for (const response of await Promise.all(innocents)) {
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /"response":"[^"]+"/);
    assert.match(text, /data: \[DONE\]\n\n$/);
  }
  await envelopeError(await poison, 422, 3048, POISON);
  // One crash with all four in flight, one with the poison retried alone.
  assert.equal(await metric(server.url, "outpost_runner_restarts_total", { model: TINYSTORIES_656K }), restarts + 2);
});

test("a repeated poison input is refused with 422 without reaching a runner", async () => {
  await run(TINYSTORIES_656K, { prompt: "Once", max_tokens: 1 });
  const pid = runnerPid(TINYSTORIES_656K);
  const restarts = await metric(server.url, "outpost_runner_restarts_total", { model: TINYSTORIES_656K });
  const message = /^This input crashed the runner of @cf\/raincandy-u\/tinystories-656k twice; the same input is refused for (59\d|600) s$/;
  await envelopeError(await run(TINYSTORIES_656K, { prompt: "Once upon a time there was a #", max_tokens: 8 }), 422, 3048, message);
  assert.equal(await metric(server.url, "outpost_runner_restarts_total", { model: TINYSTORIES_656K }), restarts);
  assert.equal(runnerPid(TINYSTORIES_656K), pid);
  assert.equal((await run(TINYSTORIES_656K, { prompt: "Once upon a time", max_tokens: 4 })).status, 200);
  await openAiError(await postJson(`${server.url}/v1/completions`, { model: TINYSTORIES_656K, prompt: "Once upon a time there was a #", max_tokens: 8 }), 422, "poison_input", /crashed the runner/);
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

test("a crashed runner is replaced by the warm spare, whose engine is already set up", async () => {
  await run(STORIES, { prompt: "Once", max_tokens: 1 });
  const spare = () => childPids(server.process.pid!).find((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("spare llama"));
  assert.ok(await eventually(async () => spare() !== undefined, 15_000), "a spare runner waits beside the loaded ones");
  const sparePid = spare()!;
  process.kill(runnerPid(STORIES)!, "SIGKILL");
  assert.equal((await run(STORIES, { prompt: "Once", max_tokens: 4 })).status, 200);
  assert.equal(runnerPid(STORIES), sparePid);
  // Its replacement is started once it has loaded.
  assert.ok(await eventually(async () => spare() !== undefined && spare() !== sparePid, 15_000));
});
