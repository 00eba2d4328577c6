import assert from "node:assert/strict";
import { test } from "node:test";
import { nodeLoad } from "./network.js";

test("a node's load sums its models; missing fields count as zero", () => {
  const models = { a: { slots: 4, active: 3, queued: 2 }, b: { slots: 4, active: 1 }, c: {} };
  assert.deepEqual(nodeLoad({ models }), { active: 4, slots: 8, queued: 2 });
  assert.deepEqual(nodeLoad({ models: {} }), { active: 0, slots: 0, queued: 0 });
});
