/**
 * The benchmark's statistics (bench/serving/confidence.ts, interleave.ts): what it prints as
 * met, missed or noisy must follow from the trials. Pure functions and a fake trial; no
 * server, no model, so this runs in `npm test` while the benchmark itself never does.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { estimate, formatEstimate, formatVerdict, halfWidth, loadedVerdict, verdict } from "../../bench/serving/confidence.js";
import { interleave, roundOrder } from "../../bench/serving/interleave.js";

test("the median's interval is the order statistics that cover it at 95 %", () => {
  // n = 5 cannot reach 95 % (the full range covers 93.75 %): no interval, so no verdict.
  const five = estimate([1, 2, 3, 4, 5]);
  assert.equal(five.median, 3);
  assert.ok(Number.isNaN(five.low) && Number.isNaN(five.high));
  assert.equal(halfWidth(five), Number.POSITIVE_INFINITY);
  // n = 6: the full range (96.9 %); n = 9: the 2nd and 8th values (96.1 %).
  assert.deepEqual([estimate([6, 1, 5, 2, 4, 3]).low, estimate([6, 1, 5, 2, 4, 3]).high], [1, 6]);
  const nine = estimate([9, 8, 7, 6, 5, 4, 3, 2, 1]);
  assert.deepEqual([nine.low, nine.median, nine.high], [2, 5, 8]);
  // n = 20: the 6th and 15th (95.9 %), whatever the order the trials came in.
  const twenty = estimate(Array.from({ length: 20 }, (_, i) => (i * 7) % 20));
  assert.deepEqual([twenty.low, twenty.high], [5, 14]);
  assert.deepEqual([twenty.q1, twenty.q3], [4, 14]);
});

test("a failed trial's NaN ratio is left out, not counted as a value", () => {
  const e = estimate([1, Number.NaN, 2, 3, 4, 5, 6, 7]);
  assert.equal(e.n, 7);
  assert.deepEqual([e.low, e.high], [1, 7]);
});

test("a target is met or missed only when the whole interval is on one side of it", () => {
  const sure = estimate([0.98, 0.99, 0.985, 0.975, 0.99, 0.995]);
  assert.equal(verdict(sure, { atLeast: 0.97 }), "met");
  assert.equal(verdict(sure, { atLeast: 0.999 }), "missed");
  // One trial at 0.90 (a burst of other work) puts the interval across 97 %: noisy, not missed.
  const straddles = estimate([0.98, 0.99, 0.985, 0.9, 0.99, 0.995]);
  assert.equal(straddles.median > 0.97, true);
  assert.equal(verdict(straddles, { atLeast: 0.97 }), "noisy");
  // Upper bounds (TTFT overhead in ms) the same way round.
  assert.equal(verdict(estimate([1, 1.2, 0.8, 1.5, 1.1, 0.9]), { atMost: 2 }), "met");
  assert.equal(verdict(estimate([3, 3.2, 2.8, 3.5, 3.1, 2.9]), { atMost: 2 }), "missed");
  assert.equal(verdict(estimate([1, 3.2, 0.8, 3.5, 1.1, 2.9]), { atMost: 2 }), "noisy");
  // Too few trials for an interval: noisy, even if every one was far past the target.
  assert.equal(verdict(estimate([0.5, 0.5, 0.5]), { atLeast: 0.97 }), "noisy");
  assert.equal(formatEstimate(estimate([0.5, 0.5, 0.5]), "percent"), "50.0% [n=3]");
  assert.equal(formatEstimate(straddles, "percent"), "98.5% [90.0%, 99.5%]");
});

test("on a machine busier than its cores, a miss the load can explain is noisy, a met target stands", () => {
  const slow = estimate([900, 1000, 1100, 950, 1050, 1000]);
  const fast = estimate([150, 160, 170, 155, 165, 160]);
  assert.equal(loadedVerdict(slow, { atMost: 300 }, { loadavg1: 1.5, cores: 2 }), "missed");
  assert.equal(loadedVerdict(slow, { atMost: 300 }, { loadavg1: 9, cores: 2 }), "noisy");
  assert.equal(loadedVerdict(fast, { atMost: 300 }, { loadavg1: 9, cores: 2 }), "met");
  assert.equal(formatVerdict(slow, { atMost: 300 }, "< 300 ms", { loadavg1: 9, cores: 2 }), "< 300 ms noisy (load)");
  assert.equal(formatVerdict(slow, { atMost: 300 }, "< 300 ms", { loadavg1: 1.5, cores: 2 }), "< 300 ms MISSED");
  assert.equal(formatVerdict(slow, { atMost: 300 }, "< 300 ms"), "< 300 ms MISSED");
});

test("rounds alternate the order of sides and stop once the figures are sure enough", async () => {
  assert.deepEqual([0, 1, 2].map((r) => roundOrder(["raw", "outpost"], r).join(",")), ["raw,outpost", "outpost,raw", "raw,outpost"]);
  const ran: string[] = [];
  const result = await interleave(["a", "b", "c"], async (side) => void ran.push(side), { minRounds: 2, maxRounds: 10, budgetMs: 60_000, enough: (rounds) => rounds >= 4 });
  assert.equal(ran.join(""), "abccbaabccba");
  assert.equal(result.stoppedBy, "enough");
  assert.equal(result.rounds, 4);
  assert.ok(result.load.stealShare >= 0 && result.load.stealShare <= 1);
});

test("a spent budget stops the rounds, but never before the minimum", async () => {
  let rounds = 0;
  const result = await interleave(["a"], async () => void rounds++, { minRounds: 3, maxRounds: 10, budgetMs: 0, enough: () => false });
  assert.deepEqual([result.rounds, rounds, result.stoppedBy], [3, 3, "budget"]);
  const capped = await interleave(["a"], async () => undefined, { minRounds: 1, maxRounds: 2, budgetMs: 60_000 });
  assert.deepEqual([capped.rounds, capped.stoppedBy], [2, "rounds"]);
});
