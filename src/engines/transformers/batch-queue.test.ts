import assert from "node:assert/strict";
import { test } from "node:test";
import { OutpostError } from "../../contract/index.js";
import { BatchQueue, type Waiting } from "./batch-queue.js";

/** A queue whose batches are recorded and answered when the test says, at most `max` jobs each. */
function recording(max = 8) {
  const batches: number[][] = [];
  let release: (() => void) | undefined;
  const queue = new BatchQueue<number, number>(
    (jobs) => Math.min(jobs.length, max),
    (batch: Waiting<number, number>[]) => {
      batches.push(batch.map((w) => w.job));
      return new Promise<void>((resolve) => {
        release = () => {
          for (const w of batch) w.resolve(w.job * 10);
          resolve();
        };
      });
    },
  );
  return { queue, batches, release: () => release?.() };
}

const signal = () => new AbortController().signal;

/** Lets loop turns pass until `batches` has `count` batches (the next batch starts a turn after the last). */
async function batchesReach(batches: number[][], count: number): Promise<void> {
  for (let turn = 0; turn < 10 && batches.length < count; turn++) await new Promise((resolve) => setImmediate(resolve));
}

test("a job on an idle queue is served in the turn it came, with no timer", async () => {
  const { queue, batches, release } = recording();
  const answer = queue.push(1, signal());
  await null;
  assert.deepEqual(batches, [[1]]);
  release();
  assert.equal(await answer, 10);
});

test("jobs of one turn share a batch; those that came while it ran share the next, within the policy's length", async () => {
  const { queue, batches, release } = recording(2);
  const first = [queue.push(1, signal()), queue.push(2, signal()), queue.push(3, signal())];
  await null;
  assert.deepEqual(batches, [[1, 2]]);
  const later = [queue.push(4, signal()), queue.push(5, signal())];
  release();
  await batchesReach(batches, 2);
  assert.deepEqual(batches, [[1, 2], [3, 4]]);
  release();
  await batchesReach(batches, 3);
  release();
  assert.deepEqual(await Promise.all([...first, ...later]), [10, 20, 30, 40, 50]);
  assert.deepEqual(batches, [[1, 2], [3, 4], [5]]);
});

test("a job cancelled while it waits ends ABORTED at once and never reaches the engine", async () => {
  const { queue, batches, release } = recording();
  const running = queue.push(1, signal());
  await null;
  const cancel = new AbortController();
  const waiting = queue.push(2, cancel.signal);
  const next = queue.push(3, signal());
  cancel.abort();
  await assert.rejects(waiting, (e: unknown) => e instanceof OutpostError && e.code === "ABORTED");
  release();
  assert.equal(await running, 10);
  await batchesReach(batches, 2);
  release();
  assert.equal(await next, 30);
  assert.deepEqual(batches, [[1], [3]]);
  await assert.rejects(queue.push(4, AbortSignal.abort()), (e: unknown) => e instanceof OutpostError && e.code === "ABORTED");
});

test("a batch whose serving throws fails its own jobs and the queue serves the next", async () => {
  let calls = 0;
  const queue = new BatchQueue<number, number>(
    () => 1,
    async ([w]) => {
      if (calls++ === 0) throw new Error("engine gone");
      w?.resolve(7);
    },
  );
  const [failed, served] = [queue.push(1, signal()), queue.push(2, signal())];
  await assert.rejects(failed, /engine gone/);
  assert.equal(await served, 7);
});
