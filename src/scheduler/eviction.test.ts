import assert from "node:assert/strict";
import { test } from "node:test";
import { pickEvictions, planVram } from "./eviction.js";

const m = (model: string, memoryBytes: number, lastUsedAt: number, active = 0) => ({ model, memoryBytes, lastUsedAt, active });

test("evicts nothing when the new model fits", () => {
  assert.deepEqual(pickEvictions([m("a", 100, 1)], 50, 200), []);
});

test("evicts least recently used idle models first, only as many as needed", () => {
  const loaded = [m("new", 100, 30), m("old", 100, 10), m("mid", 100, 20)];
  assert.deepEqual(pickEvictions(loaded, 100, 300), ["old"]);
  assert.deepEqual(pickEvictions(loaded, 200, 300), ["old", "mid"]);
});

test("never evicts a busy model, and says so when room cannot be made", () => {
  const loaded = [m("busy", 200, 1, 2), m("idle", 100, 5)];
  assert.deepEqual(pickEvictions(loaded, 100, 300), ["idle"]);
  assert.equal(pickEvictions(loaded, 150, 300), undefined);
});

// The numbers below stand in for a GPU's: this machine has none, so VRAM is injected as the
// scheduler sees it (measured per model after load, and a budget).
test("VRAM: evicts idle models LRU-first until the new model's measured VRAM fits", () => {
  const loaded = [m("a", 4_000, 10), m("b", 3_000, 20), m("c", 2_000, 30)];
  assert.deepEqual(planVram(loaded, 4_000, 10_000), { evict: ["a"], allowanceBytes: 5_000 });
  assert.deepEqual(planVram(loaded, 1_000, 10_000), { evict: [], allowanceBytes: 1_000 });
});

test("VRAM: models on the CPU take none of the budget and are never evicted for it", () => {
  const loaded = [m("cpu-only", 0, 1), m("gpu", 6_000, 2)];
  assert.deepEqual(planVram(loaded, 4_000, 8_000), { evict: ["gpu"], allowanceBytes: 8_000 });
});

test("VRAM: when busy models hold too much, the idle ones still go and the new model gets what is left", () => {
  const loaded = [m("busy", 7_000, 1, 1), m("idle", 2_000, 2)];
  assert.deepEqual(planVram(loaded, 4_000, 10_000), { evict: ["idle"], allowanceBytes: 3_000 });
  assert.deepEqual(planVram([m("busy", 12_000, 1, 1)], 4_000, 10_000), { evict: [], allowanceBytes: 0 });
});
