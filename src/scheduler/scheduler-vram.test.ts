import assert from "node:assert/strict";
import { test } from "node:test";
import type { EngineLoadOptions, EngineResult, OutpostError } from "../contract/index.js";
import type { CatalogEntry } from "../catalog/index.js";
import { SUITE_OPTIONS } from "./options.case.test.js";
import { Scheduler, type Runner } from "./scheduler.js";

// This machine has no GPU: these runners stand in for llama.cpp on one, reporting the VRAM a
// GPU load would measure, so the scheduler's VRAM budget is exercised with exact numbers.
const GIB = 1024 ** 3;

const entry = (id: string): CatalogEntry => ({ id, task: "text-generation", description: "", engine: "llama", contextTokens: 64, maxTokensDefault: 8, maxTokensStreamDefault: 8, chatTemplate: "bare", properties: {} });

class GpuRunner implements Runner {
  alive = true;
  killed = false;
  readonly exited = new Promise<OutpostError>(() => undefined);
  loadedWith: EngineLoadOptions | undefined;
  constructor(private readonly measuredVramBytes: number) {}
  async load(options: EngineLoadOptions) {
    this.loadedWith = options;
    return { sizeBytes: 1, vramBytes: this.measuredVramBytes };
  }
  async memoryBytes() {
    return 1;
  }
  async run(): Promise<EngineResult> {
    return { kind: "json", value: {} };
  }
  kill() {
    this.alive = false;
  }
}

/** `weights`: each model's file size, its VRAM need before a first load; `measured`: what its loads measure. */
function gpuScheduler(vramBudgetBytes: number, measured: Record<string, number>, weights: Record<string, number> = measured) {
  const runners = new Map<string, GpuRunner>();
  const s = new Scheduler({
    slots: 1,
    ...SUITE_OPTIONS,
    memoryBudgetBytes: 1e15,
    vramBudgetBytes: () => vramBudgetBytes,
    vramNeedBytes: (_entry, sizeBytes) => sizeBytes,
    resolveModelPath: async (e) => ({ path: "/dev/null", sizeBytes: weights[e.id]! }),
    spawnRunner: (e) => {
      const runner = new GpuRunner(measured[e.id]!);
      runners.set(e.id, runner);
      return runner;
    },
  });
  return { s, runners };
}

const job = {};

test("an idle model is evicted from VRAM, LRU first, when the next one's VRAM does not fit beside it", async () => {
  const { s, runners } = gpuScheduler(10 * GIB, { a: 4 * GIB, b: 4 * GIB, c: 4 * GIB });
  await s.execute(entry("a"), job, {});
  await s.execute(entry("b"), job, {});
  assert.equal(runners.get("b")!.loadedWith!.vramBytes, 6 * GIB, "b may use the budget less a's measured 4 GiB");
  await s.execute(entry("c"), job, {});
  assert.equal(runners.get("a")!.alive, false, "a, least recently used, made room");
  assert.equal(runners.get("b")!.alive, true);
  assert.equal(runners.get("c")!.loadedWith!.vramBytes, 6 * GIB);
  assert.deepEqual(
    s.status().map((r) => [r.model, r.vramBytes]),
    [["a", 0], ["b", 4 * GIB], ["c", 4 * GIB]],
  );
  s.close();
});

test("a model's measured VRAM, not its weights, is its need at the next load", async () => {
  // small's file is 1 GiB, but its loads measure 4 GiB (KV cache, compute buffers).
  const { s, runners } = gpuScheduler(8 * GIB, { small: 4 * GIB, big: 5 * GIB }, { small: 1 * GIB, big: 5 * GIB });
  await s.execute(entry("small"), job, {});
  await s.execute(entry("big"), job, {});
  assert.equal(runners.get("small")!.alive, false, "5 GiB do not fit beside small's measured 4 in 8");
  const bigRunner = runners.get("big")!;
  await s.execute(entry("small"), job, {});
  assert.equal(bigRunner.alive, false, "small's reload needs its measured 4 GiB: big goes (its 1 GiB of weights would have fit)");
  s.close();
});

test("with no GPU in use (a budget of 0) loads carry no VRAM limit and nothing is evicted for VRAM", async () => {
  const { s, runners } = gpuScheduler(0, { a: 4 * GIB, b: 4 * GIB });
  await s.execute(entry("a"), job, {});
  await s.execute(entry("b"), job, {});
  assert.equal(runners.get("a")!.alive, true);
  assert.equal(runners.get("b")!.loadedWith!.vramBytes, undefined);
  s.close();
});
