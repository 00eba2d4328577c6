import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePrometheus } from "./prometheus.js";
import { appendSnapshot, lastValue, linePath, niceMax, seriesOf, snapshotOf, type Snapshot } from "./series.js";

const M = "@cf/karpathy/tinyllamas-stories-260k";
const scrape = (atMs: number, queued: number, active: number, ttftSum: number, ttftCount: number, tokens: number): Snapshot =>
  snapshotOf(
    parsePrometheus(
      [
        `outpost_queue_depth{model="${M}"} ${queued}`,
        `outpost_active_sequences{model="${M}"} ${active}`,
        `outpost_model_loaded{model="${M}"} 1`,
        `outpost_model_memory_bytes{model="${M}"} 1048576`,
        `outpost_time_to_first_token_seconds_bucket{le="0.01",model="${M}"} ${ttftCount}`,
        `outpost_time_to_first_token_seconds_sum{model="${M}"} ${ttftSum}`,
        `outpost_time_to_first_token_seconds_count{model="${M}"} ${ttftCount}`,
        `outpost_completion_tokens_total{model="${M}"} ${tokens}`,
        `outpost_requests_total{model="${M}",task="text-generation",status="200"} 3`,
        "outpost_process_cpu_seconds_total 1",
      ].join("\n"),
    ),
    atMs,
  );

test("a scrape becomes per-model gauges and counters", () => {
  assert.deepEqual(scrape(0, 2, 4, 0.5, 10, 300).models, { [M]: { queued: 2, active: 4, loaded: true, memoryBytes: 1048576, ttftSumS: 0.5, ttftCount: 10, completionTokens: 300 } });
});

test("gauges chart as read; TTFT and tokens/s per interval between scrapes, with gaps", () => {
  const history = [scrape(0, 0, 0, 0, 0, 0), scrape(2000, 1, 2, 0.03, 2, 500), scrape(4000, 0, 0, 0.03, 2, 500), scrape(6000, 0, 1, 0.07, 4, 100)];
  assert.deepEqual(seriesOf(history, "active").get(M)?.map((p) => p.value), [0, 2, 0, 1]);
  assert.deepEqual(seriesOf(history, "queued").get(M)?.map((p) => p.value), [0, 1, 0, 0]);
  const ttft = seriesOf(history, "ttftMs").get(M)?.map((p) => (p.value === null ? null : Number(p.value.toFixed(6))));
  assert.deepEqual(ttft, [15, null, 20]);
  assert.deepEqual(seriesOf(history, "tokensPerS").get(M)?.map((p) => p.value), [250, 0, null], "a counter that went down (restart) is a gap");
});

test("a model's first scrape counts from zero, so its first interval has a rate", () => {
  const history = [snapshotOf([], 0), scrape(2000, 0, 0, 0.02, 1, 200)];
  assert.deepEqual(seriesOf(history, "tokensPerS").get(M)?.map((p) => p.value), [100]);
  assert.deepEqual(seriesOf(history, "ttftMs").get(M)?.map((p) => p.value), [20]);
});

test("the history keeps only the window", () => {
  let history: Snapshot[] = [];
  for (const at of [0, 1000, 2000, 3000]) history = appendSnapshot(history, scrape(at, 0, 0, 0, 0, 0), 2000);
  assert.deepEqual(history.map((s) => s.atMs), [1000, 2000, 3000]);
});

test("axis tops are round and lines break at gaps", () => {
  assert.deepEqual([0, 0.3, 1, 7, 12, 450, 1001].map(niceMax), [1, 0.5, 1, 10, 20, 500, 2000]);
  const points = [
    { atMs: 0, value: 0 },
    { atMs: 50, value: 5 },
    { atMs: 60, value: null },
    { atMs: 100, value: 20 },
  ];
  assert.equal(linePath(points, { fromMs: 0, toMs: 100, top: 10, width: 200, height: 100 }), "M0.0 100.0L100.0 50.0M200.0 0.0");
  assert.deepEqual(lastValue(points), { atMs: 100, value: 20 });
  assert.deepEqual(lastValue(points.slice(0, 3)), { atMs: 50, value: 5 });
  assert.equal(lastValue([{ atMs: 0, value: null }]), undefined);
});
