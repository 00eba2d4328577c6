import assert from "node:assert/strict";
import { test } from "node:test";
import type { UsageRow } from "../api.js";
import { bucketLabel, bucketsOf, errorShare, OTHER, stackOf } from "./buckets.js";

const now = Date.parse("2026-12-06T22:40:12Z");
const row = (key: string, requests: number, neurons = requests, errors = 0): UsageRow => ({ key, requests, errors, neurons, inputTokens: 0, outputTokens: 0 });

test("24 h is 24 whole UTC hours ending with the current one; 7 d and 30 d are whole UTC days", () => {
  const hours = bucketsOf("24h", now);
  assert.equal(hours.keys.length, 24);
  assert.equal(hours.keys.at(-1), "2026-12-06T22:00:00.000Z");
  assert.equal(hours.from, "2026-12-05T23:00:00.000Z");
  const week = bucketsOf("7d", now);
  assert.deepEqual([week.keys.length, week.keys[0], week.keys.at(-1), week.from], [7, "2026-11-30", "2026-12-06", "2026-11-30T00:00:00.000Z"]);
  assert.equal(bucketsOf("30d", now).keys.length, 30);
  assert.deepEqual([bucketLabel("2026-12-06T22:00:00.000Z"), bucketLabel("2026-12-01")], ["22:00", "Dec 1"]);
});

test("the stack has a series per top model and the rest as other models, zero where a bucket has no row", () => {
  const keys = ["a", "b", "c"];
  const total = [row("a", 5), row("c", 2)];
  const tops = new Map([["m1", [row("a", 3)]], ["m2", [row("a", 1), row("c", 2)]]]);
  assert.deepEqual(stackOf(keys, total, tops, "requests"), [
    { name: "m1", values: [3, 0, 0] },
    { name: "m2", values: [1, 0, 2] },
    { name: OTHER, values: [1, 0, 0] },
  ]);
  // No rest: no "other models" series.
  assert.deepEqual(stackOf(keys, [row("a", 0.1 + 0.2)], new Map([["m1", [row("a", 0.3)]]]), "neurons").map((s) => s.name), ["m1"]);
});

test("error share is errors over requests", () => {
  assert.deepEqual(errorShare([row("m1", 3, 0, 1), row("m2", 1, 0, 0)]), { requests: 4, errors: 1, percent: 25 });
  assert.deepEqual(errorShare([]), { requests: 0, errors: 0, percent: 0 });
});
