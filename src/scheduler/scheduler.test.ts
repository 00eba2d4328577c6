import assert from "node:assert/strict";
import { test } from "node:test";
import { OutpostError, type EngineResult, type RunEvent } from "../contract/index.js";
import type { CatalogEntry } from "../catalog/index.js";
import { SUITE_OPTIONS } from "./options.case.test.js";
import { RunnerProcess } from "./runner-process.js";
import { Scheduler, type Runner, type SchedulerOptions } from "./scheduler.js";

const entry = (id: string): CatalogEntry => ({
  id,
  task: "text-generation",
  description: "",
  engine: "llama",
  contextTokens: 64,
  maxTokensDefault: 8,
  maxTokensStreamDefault: 8,
  chatTemplate: "bare",
  properties: {},
});

/** A runner whose streams end only when the test says so. */
class FakeRunner implements Runner {
  alive = true;
  killed = false;
  readonly exited = new Promise<OutpostError>(() => undefined);
  readonly finishers: (() => void)[] = [];
  async load() {
    return { sizeBytes: 1 };
  }
  async memoryBytes() {
    return 1;
  }
  async run(): Promise<EngineResult> {
    let finish!: () => void;
    const ended = new Promise<void>((r) => (finish = r));
    this.finishers.push(finish);
    async function* events(): AsyncGenerator<RunEvent> {
      yield { type: "token", text: "x" };
      await ended;
      yield { type: "done", usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, finishReason: "stop" };
    }
    return { kind: "events", events: events() };
  }
  kill() {
    this.alive = false;
  }
}

function scheduler(overrides: Partial<SchedulerOptions> = {}) {
  const runners = new Map<string, FakeRunner>();
  const s = new Scheduler({
    slots: 2,
    ...SUITE_OPTIONS,
    spawnRunner: (e) => {
      const runner = new FakeRunner();
      runners.set(e.id, runner);
      return runner;
    },
    ...overrides,
  });
  return { s, runners };
}

const job = { kind: "generate" as const, prompt: [], sampling: { maxTokens: 1, temperature: 0 } };

async function drain(result: EngineResult): Promise<void> {
  if (result.kind === "events") for await (const _ of result.events);
}

test("a model waits for CPU while another model's threads fill the budget, then starts", async () => {
  const { s, runners } = scheduler();
  const a = await s.execute(entry("a"), job, {});
  const aDone = drain(a);
  let bStarted = false;
  const b = s.execute(entry("b"), job, {}).then((r) => ((bStarted = true), r));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(bStarted, false, "b must not compute while a holds the only thread");
  assert.equal(s.status().find((x) => x.model === "b")?.queued, 1);
  runners.get("a")!.finishers[0]!();
  await aDone;
  const bResult = await b;
  assert.equal(bStarted, true);
  runners.get("b")!.finishers[0]!();
  await drain(bResult);
});

test("with room in the budget, two models compute at once", async () => {
  const { s, runners } = scheduler({ threadBudget: 2 });
  const [a, b] = await Promise.all([s.execute(entry("a"), job, {}), s.execute(entry("b"), job, {})]);
  assert.equal(s.status().filter((x) => x.active === 1).length, 2);
  runners.get("a")!.finishers[0]!();
  runners.get("b")!.finishers[0]!();
  await Promise.all([drain(a), drain(b)]);
});

test("a model's extra requests share its threads: slots fill without more CPU", async () => {
  const { s, runners } = scheduler();
  const results = await Promise.all([s.execute(entry("a"), job, {}), s.execute(entry("a"), job, {})]);
  assert.equal(s.status()[0]?.active, 2);
  for (const finish of runners.get("a")!.finishers) finish();
  await Promise.all(results.map(drain));
  assert.equal(s.status()[0]?.active, 0);
});

test("CPU goes to the model whose request waited longest", async () => {
  const { s, runners } = scheduler();
  const a = await s.execute(entry("a"), job, {});
  const order: string[] = [];
  const c = s.execute(entry("c"), job, {}).then((r) => (order.push("c"), r));
  await new Promise((r) => setTimeout(r, 5));
  const b = s.execute(entry("b"), job, {}).then((r) => (order.push("b"), r));
  runners.get("a")!.finishers[0]!();
  await drain(a);
  const first = await c;
  assert.deepEqual(order, ["c"]);
  runners.get("c")!.finishers[0]!();
  await drain(first);
  const second = await b;
  assert.deepEqual(order, ["c", "b"]);
  runners.get("b")!.finishers[0]!();
  await drain(second);
});

/** A FakeRunner whose load takes `loadMs` (Infinity: never ends). */
class SlowLoadingRunner extends FakeRunner {
  constructor(readonly loadMs: number) {
    super();
  }
  override async load() {
    if (this.loadMs === Infinity) return new Promise<never>(() => undefined);
    await new Promise((r) => setTimeout(r, this.loadMs));
    return { sizeBytes: 1 };
  }
}

test("a load longer than the queue and run timeouts serves the requests that waited for it, the queued one too", async () => {
  const runners: SlowLoadingRunner[] = [];
  const { s } = scheduler({ slots: 1, queueTimeoutMs: 300, runTimeoutMs: 300, spawnRunner: () => (runners.push(new SlowLoadingRunner(1_000)), runners.at(-1)!) });
  const startedAt = performance.now();
  const first = s.execute(entry("a"), job, {});
  const queued = s.execute(entry("a"), job, {});
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(s.status()[0]?.queued, 1);
  const firstResult = await first;
  assert.ok(performance.now() - startedAt >= 1_000);
  runners[0]!.finishers[0]!();
  await drain(firstResult);
  const queuedResult = await queued;
  runners[0]!.finishers[1]!();
  await drain(queuedResult);
  assert.equal(runners.length, 1);
});

test("the queue timeout still counts what is not the load: a request queued behind a busy loaded model times out", async () => {
  const { s, runners } = scheduler({ slots: 1, queueTimeoutMs: 200 });
  const busy = await s.execute(entry("a"), job, {});
  await assert.rejects(s.execute(entry("a"), job, {}), (e: OutpostError) => e.code === "TIMEOUT" && /waiting for a free slot/.test(e.message));
  runners.get("a")!.finishers[0]!();
  await drain(busy);
});

test("a load past the load timeout fails its requests with a timeout and stops its runner; the next request loads anew", async () => {
  const runners: SlowLoadingRunner[] = [];
  const loadTimes = [Infinity, 0];
  const { s } = scheduler({ loadTimeoutMs: 300, spawnRunner: () => (runners.push(new SlowLoadingRunner(loadTimes.shift()!)), runners.at(-1)!) });
  await assert.rejects(s.execute(entry("a"), job, {}), (e: OutpostError) => e.code === "TIMEOUT" && /Loading a took longer than 300 ms; its runner was stopped/.test(e.message));
  assert.equal(runners[0]!.alive, false);
  const next = await s.execute(entry("a"), job, {});
  runners[1]!.finishers[0]!();
  await drain(next);
});

test("a runner process whose load blocks it past the heartbeat and queue timeouts serves the request that waited for it", async () => {
  const fake: CatalogEntry = { ...entry("@test/fake"), engine: "fake" };
  const spawned: RunnerProcess[] = [];
  const { s } = scheduler({
    queueTimeoutMs: 1_000,
    spawnRunner: () => (spawned.push(new RunnerProcess("fake", { heartbeatTimeoutMs: 2_000, env: { OUTPOST_FAKE_LOAD_BLOCK_MS: "4000" } })), spawned.at(-1)!),
  });
  try {
    const result = await s.execute(fake, { kind: "echo", value: "loaded" }, {});
    assert.deepEqual(result, { kind: "json", value: "loaded" });
    assert.deepEqual(await s.execute(fake, { kind: "echo", value: "next" }, {}), { kind: "json", value: "next" });
    assert.equal(spawned.length, 1);
  } finally {
    for (const runner of spawned) runner.kill();
  }
});

/** The process is gone: not running, and not a zombie its parent has yet to reap. */
function assertGone(pid: number | undefined): void {
  assert.throws(() => process.kill(pid!, 0), (e: NodeJS.ErrnoException) => e.code === "ESRCH", `runner ${pid} still exists`);
}

const shuttingDown = (e: OutpostError) => e.code === "ABORTED" && /shutting down/.test(e.message);

test("close() during a load ends its runner process before it resolves, and the request waiting for it fails", async () => {
  const fake: CatalogEntry = { ...entry("@test/fake"), engine: "fake" };
  const spawned: RunnerProcess[] = [];
  const { s } = scheduler({ spawnRunner: () => (spawned.push(new RunnerProcess("fake", { env: { OUTPOST_FAKE_LOAD_BLOCK_MS: "30000" } })), spawned.at(-1)!) });
  try {
    const request = s.execute(fake, { kind: "echo", value: "never" }, {});
    const outcome = assert.rejects(request, shuttingDown);
    while (spawned.length === 0) await new Promise((r) => setTimeout(r, 10));
    await s.close();
    assertGone(spawned[0]!.pid);
    await outcome;
    assert.equal(spawned.length, 1);
  } finally {
    for (const runner of spawned) runner.kill();
  }
});

test("close() during a restart backoff starts no runner, and the request waiting for it fails at once", async () => {
  const fake: CatalogEntry = { ...entry("@test/fake"), engine: "fake" };
  const spawned: RunnerProcess[] = [];
  const { s } = scheduler({ spawnRunner: () => (spawned.push(new RunnerProcess("fake")), spawned.at(-1)!) });
  try {
    // Three quick crashes: the next runner waits out a 500 ms backoff before it starts.
    for (let i = 0; i < 3; i++) {
      await s.execute(fake, { kind: "echo", value: i }, {});
      spawned[i]!.kill();
      await spawned[i]!.exited;
    }
    const request = s.execute(fake, { kind: "echo", value: "never" }, {});
    const outcome = assert.rejects(request, shuttingDown);
    await new Promise((r) => setTimeout(r, 50));
    const closedAt = performance.now();
    await s.close();
    await outcome;
    assert.ok(performance.now() - closedAt < 250, "the request does not wait out the backoff");
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(spawned.length, 3, "no runner is started after close()");
  } finally {
    for (const runner of spawned) runner.kill();
  }
});
