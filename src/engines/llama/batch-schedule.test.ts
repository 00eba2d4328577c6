import assert from "node:assert/strict";
import { test } from "node:test";
import { BatchSchedule, type ScheduleTimers } from "./batch-schedule.js";

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A clock moved by hand, and the grace timers it would fire. */
function fakeTimers() {
  let nowMs = 0;
  const pending = new Map<number, { at: number; callback: () => void }>();
  let nextId = 1;
  const timers: ScheduleTimers = {
    now: () => nowMs,
    setTimeout: (callback, ms) => {
      pending.set(nextId, { at: nowMs + ms, callback });
      return nextId++;
    },
    clearTimeout: (handle) => void pending.delete(handle as number),
  };
  const advance = (ms: number) => {
    nowMs += ms;
    for (const [id, timer] of pending) {
      if (timer.at > nowMs) continue;
      pending.delete(id);
      timer.callback();
    }
  };
  return { timers, advance, graceTimers: () => [...pending.values()].map((t) => t.at - nowMs) };
}

/** Runs two steps 100 ms apart, so the schedule knows a step takes 100 ms. */
async function warmed(schedule: BatchSchedule, advance: (ms: number) => void) {
  const started: string[] = [];
  schedule.dispatchSchedule(() => started.push("first"));
  await turn();
  advance(100);
  schedule.dispatchSchedule(() => started.push("second"));
  await turn();
  assert.deepEqual(started, ["first", "second"], "steps start a turn after they are asked for");
  return started;
}

test("the step after a sequence ended waits for the newcomer, and starts once its prompt is queued", async () => {
  const { timers, advance, graceTimers } = fakeTimers();
  const schedule = new BatchSchedule(timers);
  const started = await warmed(schedule, advance);
  advance(100);
  schedule.sequenceEnded();
  schedule.dispatchSchedule(() => started.push("held"));
  await turn();
  await turn();
  assert.deepEqual(started, ["first", "second"], "held for the request taking the freed slot");
  assert.deepEqual(graceTimers(), [10], "for at most a tenth of a 100 ms step, capped at 10 ms");
  schedule.sequenceStarting();
  await turn();
  assert.deepEqual(started, ["first", "second", "held"]);
  assert.deepEqual(graceTimers(), []);
});

test("with no newcomer the held step starts when the grace ends, and the next one is not held", async () => {
  const { timers, advance } = fakeTimers();
  const schedule = new BatchSchedule(timers);
  const started = await warmed(schedule, advance);
  schedule.sequenceEnded();
  schedule.dispatchSchedule(() => started.push("held"));
  await turn();
  advance(9);
  assert.equal(started.length, 2);
  advance(1);
  assert.deepEqual(started, ["first", "second", "held"]);
  schedule.dispatchSchedule(() => started.push("steady"));
  await turn();
  assert.deepEqual(started, ["first", "second", "held", "steady"]);
});

test("steps of tiny models (under 10 ms) are never held", async () => {
  const { timers, advance } = fakeTimers();
  const schedule = new BatchSchedule(timers);
  const started: string[] = [];
  schedule.dispatchSchedule(() => started.push("first"));
  await turn();
  advance(2);
  schedule.sequenceEnded();
  schedule.dispatchSchedule(() => started.push("second"));
  await turn();
  assert.deepEqual(started, ["first", "second"]);
});
