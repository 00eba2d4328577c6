import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { ModelDescriptor } from "../contract/index.js";
import { RunnerProcess } from "./runner-process.js";
import { SpareRunners } from "./spare-runners.js";

/** The fake engine needs some file to "load"; this one is always there. */
const ANY_FILE = fileURLToPath(import.meta.url);
const model: ModelDescriptor = { id: "@test/fake", task: "text-generation", engine: "fake", chatTemplate: "bare", contextTokens: 64, maxTokensDefault: 1, maxTokensStreamDefault: 1 };

interface Spawned {
  runner: RunnerProcess;
  /** Its engine was created (a spare's `prepare` answered ok). */
  ready: boolean;
  prepared: Promise<boolean> | undefined;
}

/**
 * Real runner processes on the fake engine, each recorded with whether its prepare has
 * answered; `bootingBeside` counts the spares that were spawned while another still booted.
 */
function spawner(env?: Record<string, string>): { spawned: Spawned[]; spawn: (label: string) => RunnerProcess; bootingBeside: () => number } {
  const spawned: Spawned[] = [];
  let bootingBeside = 0;
  const spawn = (label: string) => {
    if (spawned.some((s) => s.prepared !== undefined && !s.ready && s.runner.alive)) bootingBeside++;
    const runner = new RunnerProcess(label, { env });
    const entry: Spawned = { runner, ready: false, prepared: undefined };
    const prepare = runner.prepare.bind(runner);
    runner.prepare = (engine) => {
      entry.prepared = prepare(engine).then((ok) => (entry.ready = ok));
      return entry.prepared;
    };
    spawned.push(entry);
    return runner;
  };
  return { spawned, spawn, bootingBeside: () => bootingBeside };
}

/** Resolves once `count` runners were spawned and every one of them answered its prepare. */
async function settled(spawned: Spawned[], count: number): Promise<void> {
  while (spawned.length < count || spawned.some((s) => s.prepared === undefined)) await new Promise((r) => setTimeout(r, 20));
  await Promise.all(spawned.map((s) => s.prepared));
}

const entryOf = (spawned: Spawned[], runner: RunnerProcess) => spawned.find((s) => s.runner === runner);

test("a runner that replaced a crashed one crashing too is replaced by a spare that is already ready", async () => {
  const { spawned, spawn, bootingBeside } = spawner();
  const spares = new SpareRunners(spawn, 2);
  try {
    spares.warm("fake");
    await settled(spawned, 2);
    assert.equal(spares.alive().length, 2);

    const first = spares.take("fake", model.id);
    assert.equal(entryOf(spawned, first)?.ready, true, "the first crash's replacement is a ready spare");
    await first.load({ model, path: ANY_FILE, slots: 1, threads: 1 });
    // Its own replacement spare starts booting now; it crashes before that one is up.
    first.kill();
    await first.exited;

    const second = spares.take("fake", model.id);
    assert.equal(entryOf(spawned, second)?.ready, true, "the second crash's replacement is a ready spare, not the one booting");
    assert.notEqual(second, first);
    await second.load({ model, path: ANY_FILE, slots: 1, threads: 1 });

    // Both taken spares are replaced, so the next pair of crashes finds two ready as well.
    await settled(spawned, 4);
    assert.equal(spares.alive().length, 2);
    assert.ok(spares.alive().every((spare) => entryOf(spawned, spare)?.ready));
    assert.equal(bootingBeside(), 0, "spares boot one after another");
    second.kill();
  } finally {
    spares.close();
  }
});

test("a spare that dies while idle is not handed out", async () => {
  const { spawned, spawn } = spawner();
  const spares = new SpareRunners(spawn, 1);
  try {
    spares.warm("fake");
    await settled(spawned, 1);
    const [dead] = spares.alive();
    dead?.kill();
    await dead?.exited;
    assert.deepEqual(spares.alive(), []);
    const runner = spares.take("fake", model.id);
    assert.notEqual(runner, dead);
    assert.equal(runner.alive, true);
    runner.kill();
  } finally {
    spares.close();
  }
});

test("an engine that cannot be created gets one spare, not a spare after every failed one", async () => {
  const { spawned, spawn } = spawner();
  const spares = new SpareRunners(spawn, 2);
  try {
    spares.warm("no-such-engine");
    await settled(spawned, 1);
    assert.equal(spawned[0]?.ready, false);
    // A second spare would have been spawned right after the first answered.
    await new Promise((r) => setImmediate(r));
    assert.equal(spawned.length, 1);
  } finally {
    spares.close();
  }
});

test("with no spares, warming starts nothing and each runner is started when it is needed", () => {
  const { spawned, spawn } = spawner();
  const spares = new SpareRunners(spawn, 0);
  try {
    spares.warm("fake");
    assert.equal(spawned.length, 0);
    const runner = spares.take("fake", model.id);
    assert.equal(spawned.length, 1);
    assert.equal(runner, spawned[0]?.runner);
    assert.equal(spawned[0]?.prepared, undefined, "a runner started for a model is not prepared as a spare");
    runner.kill();
  } finally {
    spares.close();
  }
});

test("close() ends every spare process, a ready one and a booting one, before it resolves", async () => {
  const { spawned, spawn } = spawner();
  const spares = new SpareRunners(spawn, 2);
  spares.warm("fake");
  // The second spare is spawned once the first is ready, and boots while this closes.
  while (spawned.length < 2) await new Promise((r) => setTimeout(r, 10));
  await spares.close();
  for (const { runner } of spawned) assert.throws(() => process.kill(runner.pid!, 0), (e: NodeJS.ErrnoException) => e.code === "ESRCH", `spare ${runner.pid} still exists`);
  assert.equal(spawned.length, 2);
});

test("no spare boots while a taken runner loads its model, and the spares are refilled after", async () => {
  // Each load blocks its runner 1.5 s, as a model load keeps a core busy.
  const { spawned, spawn } = spawner({ OUTPOST_FAKE_LOAD_BLOCK_MS: "1500" });
  const spares = new SpareRunners(spawn, 2);
  spares.warm("fake");
  // The first request comes while the first spare still boots, as at `serve` start.
  const runner = spares.take("fake", model.id);
  try {
    const loading = runner.load({ model, path: ANY_FILE, slots: 1, threads: 1 });
    await settled(spawned, 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(spawned.length, 1, "the second spare waits for the load");
    await loading;
    await settled(spawned, 3);
    assert.equal(spares.alive().length, 2);
  } finally {
    runner.kill();
    await spares.close();
  }
});
