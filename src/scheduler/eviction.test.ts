import assert from "node:assert/strict";
import { test } from "node:test";
import { pickEvictions } from "./eviction.js";

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
