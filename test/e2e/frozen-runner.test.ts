import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { envelopeResult } from "../helpers/http.js";
import { childPids, eventually } from "../helpers/metrics.js";
import { readSse } from "../helpers/sse.js";
import { postJson, startServer, STORIES, type TestServer } from "../helpers/server.js";

const HEARTBEAT_TIMEOUT_MS = 2_000;
let server: TestServer;
before(async () => {
  server = await startServer({}, { OUTPOST_RUNNER_HEARTBEAT_TIMEOUT_MS: String(HEARTBEAT_TIMEOUT_MS) });
});
after(async () => {
  await server?.stop();
});

const run = (inputs: unknown) => postJson(`${server.url}/ai/run/${STORIES}`, inputs);
const runnerPid = () => childPids(server.process.pid!).find((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(STORIES));

test("a SIGSTOPped runner is killed past its heartbeat timeout: a stream on it ends with an error, requests not yet started are served by the next runner", { timeout: 60_000 }, async () => {
  await envelopeResult(await run({ prompt: "Once", max_tokens: 1 }));
  const pid = runnerPid()!;
  const streamed = await run({ prompt: "Once upon a time", max_tokens: 400, stream: true, seed: 5 });
  assert.equal(streamed.status, 200);
  let stoppedAt = 0;
  const text = readSse(streamed.body!, () => {
    if (stoppedAt) return;
    process.kill(pid, "SIGSTOP");
    stoppedAt = performance.now();
  });
  await eventually(async () => stoppedAt > 0);
  // Admitted while the runner is frozen: they reach it, but it never answers them.
  const waiting = [1, 2].map((seed) => run({ prompt: "Once upon a time", max_tokens: 8, seed }));
  assert.match(await text, /event: error\ndata: \{"errors":\[\{"code":3043,"message":"The runner for @cf\/karpathy\/tinyllamas-stories-260k stopped \(no heartbeat for \d+ ms, killed\)[^"]*"\}\]\}\n\n$/);
  const answeredMs = performance.now() - stoppedAt;
  assert.ok(answeredMs < HEARTBEAT_TIMEOUT_MS + 2_000, `the stream ended ${Math.round(answeredMs)} ms after the stop`);
  for (const response of await Promise.all(waiting)) assert.ok((await envelopeResult(response)).response);
  assert.ok(performance.now() - stoppedAt < HEARTBEAT_TIMEOUT_MS + 10_000);
  assert.ok(await eventually(async () => runnerPid() !== undefined && runnerPid() !== pid));
  assert.ok((await envelopeResult(await run({ prompt: "Once", max_tokens: 4 }))).response);
});
