import assert from "node:assert/strict";
import { test } from "node:test";
import type { RunEvent } from "../contract/index.js";
import type { TokenBatchResult } from "./protocol.js";
import { filterTokens } from "./token-filter.js";

const DONE: RunEvent = { type: "done", usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 }, finishReason: "length" };
const tokens = (...texts: string[]): RunEvent[] => texts.map((text) => ({ type: "token", text }));

/** A source that yields `events` one per macrotask (as a runner's stream does) and records whether it was ended. */
function source(events: RunEvent[]) {
  const state = { ended: false, read: 0 };
  const iterator: AsyncIterator<RunEvent> = {
    async next() {
      await new Promise((r) => setImmediate(r));
      const value = events[state.read];
      if (value === undefined) return { done: true, value: undefined };
      state.read += 1;
      return { done: false, value };
    },
    async return() {
      state.ended = true;
      return { done: true, value: undefined };
    },
  };
  return { state, events: { [Symbol.asyncIterator]: () => iterator } };
}

async function collect(events: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

function options(apply: (texts: string[]) => Promise<TokenBatchResult>) {
  const calls = { stop: 0, end: 0, batches: [] as string[][] };
  return {
    calls,
    options: {
      apply: (texts: string[]) => (calls.batches.push(texts), apply(texts)),
      stop: () => (calls.stop += 1),
      end: () => (calls.end += 1),
    },
  };
}

test("tokens pass through replaced or dropped, in order, the final event last; the source is ended", async () => {
  const { state, events } = source([...tokens("a", "b", "c", "d"), DONE]);
  const { calls, options: o } = options(async (texts) => ({ texts: texts.map((t) => (t === "b" ? "" : t.toUpperCase())) }));
  assert.deepEqual(await collect(filterTokens(events, o)), [...tokens("A", "C", "D"), DONE]);
  assert.deepEqual(calls.batches.flat(), ["a", "b", "c", "d"]);
  assert.equal(calls.end, 1);
  assert.equal(calls.stop, 0);
  assert.equal(state.ended, true, "a source past its final event is still ended (the scheduler frees the slot there)");
});

test("the prompt's size moves to the first token passed on when a hook drops the one that carried it", async () => {
  const { events } = source([{ type: "token", text: "drop", promptTokens: 9 }, ...tokens("a", "b"), DONE]);
  const { options: o } = options(async (texts) => ({ texts: texts.map((t) => (t === "drop" ? "" : t)) }));
  assert.deepEqual(await collect(filterTokens(events, o)), [{ type: "token", text: "a", promptTokens: 9 }, ...tokens("b"), DONE]);
});

test("tokens that arrive while a batch is out go in the next batch together", async () => {
  const { events } = source([...tokens("a", "b", "c", "d", "e"), DONE]);
  const { calls, options: o } = options(async (texts) => {
    await new Promise((r) => setTimeout(r, 20));
    return { texts };
  });
  assert.deepEqual(await collect(filterTokens(events, o)), [...tokens("a", "b", "c", "d", "e"), DONE]);
  assert.deepEqual(calls.batches, [["a"], ["b", "c", "d", "e"]]);
});

test("a stop ends the stream before the stopping token with a `stop` done counting it and the prompt, and stops the source", async () => {
  const { state, events } = source([{ type: "token", text: "x", promptTokens: 5 }, ...tokens("y", "bad", "z"), DONE]);
  const { calls, options: o } = options(async (texts) => {
    const at = texts.indexOf("bad");
    return at < 0 ? { texts } : { texts: texts.slice(0, at), stopAt: at };
  });
  assert.deepEqual(await collect(filterTokens(events, o)), [{ type: "token", text: "x", promptTokens: 5 }, ...tokens("y"), { type: "done", usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 }, finishReason: "stop" }]);
  assert.equal(calls.stop, 1);
  assert.equal(calls.end, 1);
  // The read under way when the stop came finishes first.
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(state.ended, true);
});

test("a failing batch ends the stream with its error", async () => {
  const { events } = source([...tokens("x", "y"), DONE]);
  const { calls, options: o } = options(async () => {
    throw new Error("plugin failed");
  });
  const out = await collect(filterTokens(events, o));
  assert.equal(out.length, 1);
  assert.equal(out[0]?.type, "error");
  assert.equal(calls.stop, 1);
});

test("a consumer that leaves early ends the source and the filter once", async () => {
  const { state, events } = source([...tokens("a", "b", "c"), DONE]);
  const { calls, options: o } = options(async (texts) => ({ texts }));
  for await (const event of filterTokens(events, o)) {
    assert.deepEqual(event, { type: "token", text: "a" });
    break;
  }
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(state.ended, true);
  assert.equal(calls.end, 1);
});

test("an unread stream that is returned ends its source without reading it", async () => {
  const { state, events } = source([...tokens("a"), DONE]);
  const { options: o } = options(async (texts) => ({ texts }));
  await filterTokens(events, o)[Symbol.asyncIterator]().return?.();
  assert.equal(state.ended, true);
  assert.equal(state.read, 0);
});
