import assert from "node:assert/strict";
import { test } from "node:test";
import { answerStats, describeStats } from "./stats.js";

test("TTFT runs from the request to the first token; the rate counts the tokens after it", () => {
  const stats = answerStats({ startedAt: 1000, firstTokenAt: 1045, endedAt: 1245, tokenEvents: 21, completionTokens: 21 });
  assert.deepEqual(stats, { tokens: 21, ttftMs: 45, tokensPerS: 100 });
  assert.equal(describeStats(stats), "21 tokens · TTFT 45 ms · 100 tok/s");
});

test("a stopped stream counts the tokens that arrived; while streaming the rate runs to now", () => {
  assert.deepEqual(answerStats({ startedAt: 0, firstTokenAt: 10, endedAt: 110, tokenEvents: 11 }), { tokens: 11, ttftMs: 10, tokensPerS: 100 });
  assert.deepEqual(answerStats({ startedAt: 0, firstTokenAt: 10, tokenEvents: 6 }, 60), { tokens: 6, ttftMs: 10, tokensPerS: 100 });
});

test("no token means no TTFT, one token no rate", () => {
  assert.deepEqual(answerStats({ startedAt: 0, endedAt: 50, tokenEvents: 0 }), { tokens: 0 });
  assert.deepEqual(answerStats({ startedAt: 0, firstTokenAt: 5, endedAt: 5, tokenEvents: 1 }), { tokens: 1, ttftMs: 5 });
  assert.equal(describeStats({ tokens: 1, ttftMs: 5 }), "1 token · TTFT 5 ms");
});
