import assert from "node:assert/strict";
import { test } from "node:test";
import { OutpostError, type EngineResult, type RunEvent } from "../contract/index.js";
import type { CatalogEntry } from "../catalog/index.js";
import { SUITE_OPTIONS } from "./options.case.test.js";
import { Scheduler, type Runner, type SchedulerOptions } from "./scheduler.js";

const entry: CatalogEntry = {
  id: "m",
  task: "text-generation",
  description: "",
  engine: "llama",
  contextTokens: 64,
  maxTokensDefault: 8,
  maxTokensStreamDefault: 8,
  chatTemplate: "bare",
  properties: {},
};

/** `poison` crashes the runner at its first step; others stream `tokens` after `firstMs`. */
interface Job {
  text: string;
  poison?: boolean;
  tokens?: number;
  firstMs?: number;
  seed?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A runner process stand-in: a crash fails every stream on it, as RunnerProcess does. */
class CrashingRunner implements Runner {
  alive = true;
  killed = false;
  readonly jobs: Job[] = [];
  readonly exited: Promise<OutpostError>;
  #exit!: (error: OutpostError) => void;
  readonly #streams = new Set<{ failure?: OutpostError }>();

  constructor() {
    this.exited = new Promise((resolve) => (this.#exit = resolve));
  }
  async load() {
    return { sizeBytes: 1 };
  }
  async memoryBytes() {
    return 1;
  }
  async run(raw: unknown, signal: AbortSignal): Promise<EngineResult> {
    const job = raw as Job;
    this.jobs.push(job);
    return { kind: "events", events: this.#events(job, signal) };
  }
  async *#events(job: Job, signal: AbortSignal): AsyncGenerator<RunEvent> {
    const stream: { failure?: OutpostError } = {};
    this.#streams.add(stream);
    try {
      for (let i = 0; i < (job.tokens ?? 2); i++) {
        await sleep(i === 0 ? (job.firstMs ?? 1) : 1);
        if (job.poison) this.crash();
        if (signal.aborted) stream.failure = signal.reason instanceof OutpostError ? signal.reason : new OutpostError("ABORTED", "cancelled");
        if (stream.failure) return yield { type: "error", error: stream.failure.toWire() };
        yield { type: "token", text: `${job.text}${i} ` };
      }
      yield { type: "done", usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, finishReason: "length" };
    } finally {
      this.#streams.delete(stream);
    }
  }
  crash() {
    if (!this.alive) return;
    this.alive = false;
    const error = new OutpostError("RUNNER_CRASHED", "The runner for m stopped (signal SIGABRT)");
    for (const stream of this.#streams) stream.failure = error;
    this.#exit(error);
  }
  kill() {
    this.killed = true;
    this.crash();
  }
}

function scheduler(overrides: Partial<SchedulerOptions> = {}) {
  const runners: CrashingRunner[] = [];
  const s = new Scheduler({
    slots: 4,
    ...SUITE_OPTIONS,
    spawnRunner: () => {
      const runner = new CrashingRunner();
      runners.push(runner);
      return runner;
    },
    ...overrides,
  });
  return { s, runners };
}

async function text(result: EngineResult): Promise<string> {
  let out = "";
  if (result.kind !== "events") throw new Error(`expected events, got ${result.kind}`);
  for await (const event of result.events) {
    if (event.type === "token") out += event.text;
    if (event.type === "error") throw OutpostError.fromWire(event.error);
  }
  return out;
}

const answer = (s: Scheduler, job: Job) => s.execute(entry, job, {}).then(text);
const code = (error: unknown) => (error instanceof OutpostError ? error.code : String(error));

test("streams that had no output when a poison input crashed their runner are retried and complete; the poison is refused after its second crash", async () => {
  const { s, runners } = scheduler();
  const innocent = (n: number) => answer(s, { text: `i${n}-`, firstMs: 20, tokens: 3 });
  const results = await Promise.allSettled([innocent(1), innocent(2), innocent(3), answer(s, { text: "#", poison: true, seed: 1 })]);
  assert.deepEqual(results.slice(0, 3), [1, 2, 3].map((n) => ({ status: "fulfilled", value: `i${n}-0 i${n}-1 i${n}-2 ` })));
  const poison = results[3];
  assert.equal(poison?.status, "rejected");
  assert.equal(code(poison.reason), "POISON_INPUT");
  assert.match((poison.reason as Error).message, /^This input crashed the runner of m twice \(The runner for m stopped \(signal SIGABRT\)\); the same input is refused for 60 s$/);
  // One crash with all four in flight, one with the poison alone: each suspect ran alone.
  assert.equal(runners.length, 3);
  assert.equal(runners[1]!.jobs.length + runners[2]!.jobs.length, 4);

  // The same input again, whatever its seed, never reaches a runner; other inputs are served.
  await assert.rejects(answer(s, { text: "#", poison: true, seed: 2 }), (e) => code(e) === "POISON_INPUT" && /refused for (59|60) s$/.test((e as Error).message));
  assert.equal(runners.length, 3);
  assert.equal(runners.flatMap((r) => r.jobs).length, 8);
  assert.equal(await answer(s, { text: "ok-" }), "ok-0 ok-1 ");
});

test("a stream that had output when its runner crashed fails with the crash; it is not replayed", async () => {
  const { s, runners } = scheduler();
  const early = s.execute(entry, { text: "e-", tokens: 50 }, {});
  const result = await early;
  const read = text(result);
  await sleep(5);
  runners[0]!.crash();
  await assert.rejects(read, (e) => code(e) === "RUNNER_CRASHED");
  assert.equal(runners[0]!.jobs.length, 1);
  assert.equal(await answer(s, { text: "next-" }), "next-0 next-1 ");
});

test("an input often in flight at crashes it did not cause is never refused", async () => {
  const { s } = scheduler();
  for (let i = 0; i < 3; i++) {
    const popular = [1, 2].map(() => answer(s, { text: "p-", firstMs: 20 }));
    await assert.rejects(answer(s, { text: `#${i}`, poison: true }), (e) => code(e) === "POISON_INPUT");
    assert.deepEqual(await Promise.all(popular), ["p-0 p-1 ", "p-0 p-1 "]);
  }
  assert.equal(await answer(s, { text: "p-" }), "p-0 p-1 ");
});

test("requests on a runner killed with SIGKILL are retried, and never blamed however often it happens", async () => {
  const { s, runners } = scheduler();
  for (let i = 0; i < 3; i++) {
    const pending = answer(s, { text: "health-", firstMs: 20 });
    await sleep(5);
    runners.at(-1)!.kill();
    assert.equal(await pending, "health-0 health-1 ");
  }
  assert.equal(runners.length, 4);
});

test("crashes explained by a poison input do not back off the model's restarts; unexplained ones do", async () => {
  const { s, runners } = scheduler();
  for (let i = 0; i < 4; i++) {
    await assert.rejects(answer(s, { text: `#${i}`, poison: true }), (e) => code(e) === "POISON_INPUT");
    const started = Date.now();
    assert.equal(await answer(s, { text: "ok-" }), "ok-0 ok-1 ");
    assert.ok(Date.now() - started < 100, `restart ${i} waited ${Date.now() - started} ms`);
  }
  // Runners dying on their own: the first restarts at once, the next after the backoff.
  for (const waitAtLeastMs of [0, 250]) {
    runners.at(-1)!.crash();
    const started = Date.now();
    assert.equal(await answer(s, { text: "ok-" }), "ok-0 ok-1 ");
    assert.ok(Date.now() - started >= waitAtLeastMs, `waited ${Date.now() - started} ms`);
  }
});

test("rejectIfBusy during a restart backoff answers MODEL_LOADING with Retry-After at once", async () => {
  const { s, runners } = scheduler();
  await answer(s, { text: "a-" });
  runners.at(-1)!.crash();
  await answer(s, { text: "b-" });
  runners.at(-1)!.crash();
  await sleep(1);
  const started = Date.now();
  await assert.rejects(s.execute(entry, { text: "c-" }, { rejectIfBusy: true }), (e) => code(e) === "MODEL_LOADING" && (e as OutpostError).retryAfterS === 1);
  assert.ok(Date.now() - started < 50);
  assert.equal(await answer(s, { text: "d-" }), "d-0 d-1 ");
});

test("a request running past the execution deadline is stopped with TIMEOUT and frees its slot", async () => {
  const { s } = scheduler({ slots: 1, runTimeoutMs: 50 });
  const slow = s.execute(entry, { text: "s-", firstMs: 200 }, {});
  await assert.rejects(slow.then(text), (e) => code(e) === "TIMEOUT" && (e as Error).message === "Ran longer than 50 ms on m");
  assert.equal(await answer(s, { text: "n-" }), "n-0 n-1 ");
});
