import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { EngineResult, ModelDescriptor } from "../contract/index.js";
import { fakeByte, type FakeJob } from "../engines/fake/index.js";
import { RunnerProcess } from "./runner-process.js";

/** The fake engine needs some file to "load"; this one is always there. */
const ANY_FILE = fileURLToPath(import.meta.url);
const model: ModelDescriptor = { id: "@test/fake", task: "text-generation", engine: "fake", chatTemplate: "bare", contextTokens: 64, maxTokensDefault: 1, maxTokensStreamDefault: 1 };
const MiB = 1024 * 1024;

async function withRunner(use: (runner: RunnerProcess) => Promise<void>): Promise<void> {
  const runner = new RunnerProcess("fake");
  try {
    await runner.load({ model, path: ANY_FILE, slots: 2, threads: 1 });
    await use(runner);
  } finally {
    runner.kill();
  }
}

const run = (runner: RunnerProcess, job: FakeJob): Promise<EngineResult> => runner.run(job, new AbortController().signal);

test("a 20 MiB bytes result crosses the runner IPC chunked, byte for byte", async (t) => {
  await withRunner(async (runner) => {
    const sizeBytes = 20 * MiB;
    const started = performance.now();
    const result = await run(runner, { kind: "bytes", sizeBytes, contentType: "image/png" });
    if (result.kind !== "bytes") throw new Error(`expected bytes, got ${result.kind}`);
    assert.equal(result.contentType, "image/png");
    let offset = 0;
    let chunks = 0;
    for await (const chunk of result.chunks) {
      for (let i = 0; i < chunk.byteLength; i += 4099) assert.equal(chunk[i], fakeByte(offset + i));
      offset += chunk.byteLength;
      chunks += 1;
    }
    assert.equal(offset, sizeBytes);
    t.diagnostic(`ipc bytes ${sizeBytes} B in ${chunks} chunks, ${Math.round(performance.now() - started)} ms`);
    assert.equal(runner.inFlight, 0, "the job is over once its body ended");
  });
});

test("a 3 MiB json value crosses the runner IPC whole", async (t) => {
  await withRunner(async (runner) => {
    const started = performance.now();
    const result = await run(runner, { kind: "json", numbers: 400_000 });
    if (result.kind !== "json") throw new Error(`expected json, got ${result.kind}`);
    const { data } = result.value as { data: number[] };
    assert.equal(data.length, 400_000);
    assert.equal(data[399_999], 399_999 / 8);
    const size = JSON.stringify(result.value).length;
    assert.ok(size > 3 * MiB, `the value is ${size} bytes`);
    t.diagnostic(`ipc json ${size} B, ${Math.round(performance.now() - started)} ms`);
  });
});

test("a body left unread holds the runner back, and stopping it frees the job", async () => {
  await withRunner(async (runner) => {
    const result = await run(runner, { kind: "bytes", sizeBytes: 200 * MiB, contentType: "application/octet-stream" });
    if (result.kind !== "bytes") throw new Error("expected bytes");
    const iterator = result.chunks[Symbol.asyncIterator]();
    await iterator.next();
    assert.equal(runner.inFlight, 1);
    await iterator.return?.();
    assert.equal(runner.inFlight, 0);
    // The runner still serves: the next job gets its whole answer.
    const next = await run(runner, { kind: "echo", value: "still here" });
    assert.deepEqual(next, { kind: "json", value: "still here" });
  });
});

test("a finished answer leaves the runner before the next job computes", async () => {
  // Both jobs compute in a setImmediate, as onnxruntime-node's session.run does: the first at
  // once, the next blocking the runner's event loop until this side has the first answer, so
  // it answers released: false if that answer waited for its compute.
  const marker = join(mkdtempSync(join(tmpdir(), "outpost-hold-")), "first-answer-arrived");
  try {
    await withRunner(async (runner) => {
      const first = run(runner, { kind: "hold", until: ANY_FILE });
      const next = run(runner, { kind: "hold", until: marker });
      assert.deepEqual(await first, { kind: "json", value: { released: true } });
      writeFileSync(marker, "");
      assert.deepEqual(await next, { kind: "json", value: { released: true } });
    });
  } finally {
    rmSync(dirname(marker), { recursive: true, force: true });
  }
});

test("an engine's refusal reaches the caller with its code", async () => {
  await withRunner(async (runner) => {
    await assert.rejects(run(runner, { kind: "fail", code: "INPUT_INVALID", message: "no" }), (error: Error & { code?: string }) => error.code === "INPUT_INVALID");
  });
});

test("a server blocked past the heartbeat timeout does not kill its healthy runner", async () => {
  const runner = new RunnerProcess("fake", { heartbeatTimeoutMs: 2_000 });
  try {
    await runner.load({ model, path: ANY_FILE, slots: 1, threads: 1 });
    // This process's event loop stalls for longer than the timeout; the runner's heartbeats wait in the pipe.
    const until = Date.now() + 3_000;
    while (Date.now() < until);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(runner.alive, true);
    assert.deepEqual(await run(runner, { kind: "echo", value: "alive" }), { kind: "json", value: "alive" });
  } finally {
    runner.kill();
  }
});

test("a load that blocks the runner past the heartbeat timeout is waited for, as onnxruntime's session creation does", async () => {
  const runner = new RunnerProcess("fake", { heartbeatTimeoutMs: 2_000, env: { OUTPOST_FAKE_LOAD_BLOCK_MS: "4000" } });
  try {
    await runner.load({ model, path: ANY_FILE, slots: 1, threads: 1 });
    assert.equal(runner.alive, true);
    assert.deepEqual(await run(runner, { kind: "echo", value: "loaded" }), { kind: "json", value: "loaded" });
  } finally {
    runner.kill();
  }
});

/** Starts a runner whose heartbeat timeout is 2 s, loaded, for `use`. */
async function withWatchedRunner(env: Record<string, string>, use: (runner: RunnerProcess) => Promise<void>): Promise<void> {
  const runner = new RunnerProcess("fake", { heartbeatTimeoutMs: 2_000, env });
  try {
    await runner.load({ model, path: ANY_FILE, slots: 2, threads: 1 });
    await use(runner);
  } finally {
    runner.kill();
  }
}

test("a spare whose engine creation blocks it past the heartbeat timeout is waited for, as getLlama's GPU probe may", async () => {
  const runner = new RunnerProcess("spare fake", { heartbeatTimeoutMs: 2_000, env: { OUTPOST_FAKE_CREATE_BLOCK_MS: "4000" } });
  try {
    assert.equal(await runner.prepare("fake"), true);
    await runner.load({ model, path: ANY_FILE, slots: 1, threads: 1 });
    assert.deepEqual(await run(runner, { kind: "echo", value: "prepared" }), { kind: "json", value: "prepared" });
  } finally {
    runner.kill();
  }
});

test("a job that blocks the runner's thread past the heartbeat timeout is waited for, as one long onnxruntime call is, and the next job is served", async () => {
  await withWatchedRunner({}, async (runner) => {
    const blocked = await run(runner, { kind: "block", ms: 5_000 });
    if (blocked.kind !== "json") throw new Error(`expected json, got ${blocked.kind}`);
    assert.ok((blocked.value as { blockedMs: number }).blockedMs >= 5_000);
    assert.equal(runner.alive, true);
    assert.deepEqual(await run(runner, { kind: "echo", value: "next" }), { kind: "json", value: "next" });
  });
});

test("a runner stopped inside a blocking job is still killed past the heartbeat timeout", async () => {
  await withWatchedRunner({}, async (runner) => {
    const blocked = run(runner, { kind: "block", ms: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    process.kill(runner.pid!, "SIGSTOP");
    const stoppedAt = performance.now();
    await assert.rejects(blocked, /no heartbeat for \d+ ms, killed/);
    assert.ok(performance.now() - stoppedAt < 2_000 + 2_000, `killed ${Math.round(performance.now() - stoppedAt)} ms after the stop`);
    assert.equal(runner.killed, true);
  });
});

test("a runner whose thread spins in JavaScript outside any job is killed past the heartbeat timeout", async () => {
  await withWatchedRunner({}, async (runner) => {
    assert.deepEqual(await run(runner, { kind: "spin" }), { kind: "json", value: { spinning: true } });
    const spunAt = performance.now();
    const error = await runner.exited;
    assert.match(error.message, /no heartbeat for \d+ ms, killed/);
    assert.ok(performance.now() - spunAt < 2_000 + 2_000, `killed ${Math.round(performance.now() - spunAt)} ms after it began spinning`);
  });
});

test("a job that blocks the runner past the run timeout, so the runner cannot hear its cancel, is killed", async () => {
  await withWatchedRunner({ OUTPOST_RUN_TIMEOUT_MS: "2000" }, async (runner) => {
    const startedAt = performance.now();
    await assert.rejects(run(runner, { kind: "block", ms: 30_000 }), /no heartbeat for \d+ ms, killed/);
    const killedMs = performance.now() - startedAt;
    assert.ok(killedMs > 2_000 + 2_000 - 1_000 && killedMs < 2_000 + 2_000 + 2_000, `killed after ${Math.round(killedMs)} ms`);
  });
});
