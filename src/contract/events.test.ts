import assert from "node:assert/strict";
import { test } from "node:test";
import { tapEvents } from "./events.js";
import type { RunEvent } from "./run.js";

const done: RunEvent = { type: "done", usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, finishReason: "stop" };

function source(log: string[]): AsyncIterable<RunEvent> {
  return (async function* () {
    try {
      yield { type: "token", text: "a" };
      yield done;
    } finally {
      log.push("source finally");
    }
  })();
}

test("finish runs once when the stream is read to the end", async () => {
  const log: string[] = [];
  const seen: string[] = [];
  for await (const event of tapEvents(source(log), { event: (e) => seen.push(e.type), finish: () => log.push("finish") })) void event;
  assert.deepEqual(seen, ["token", "done"]);
  assert.deepEqual(log, ["source finally", "finish"]);
});

test("stopping a stream that was never read still reaches the source and runs finish", async () => {
  const log: string[] = [];
  let started = false;
  const lazy = (async function* () {
    started = true;
    yield* source(log);
  })();
  const tapped = tapEvents(lazy, { finish: () => log.push("finish") });
  await tapped[Symbol.asyncIterator]().return?.();
  assert.equal(started, false);
  assert.deepEqual(log, ["finish"]);
});

test("a prepended first event comes before the source's events", async () => {
  const log: string[] = [];
  const texts: string[] = [];
  for await (const event of tapEvents(source(log), {}, { type: "token", text: "first" })) if (event.type === "token") texts.push(event.text);
  assert.deepEqual(texts, ["first", "a"]);
});
