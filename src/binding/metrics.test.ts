import assert from "node:assert/strict";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Registry } from "prom-client";
import { OutpostError, UNKNOWN_MODEL, type RunEvent, type RunResult } from "../contract/index.js";
import { RECENT_REQUESTS, RequestMetrics } from "./metrics.js";

/** As the llama engine streams: the prompt's size on the first token, and again in `done`. */
async function* tokens(count: number): AsyncIterable<RunEvent> {
  for (let i = 0; i < count; i++) yield i === 0 ? { type: "token", text: "t0", promptTokens: 2 } : { type: "token", text: `t${i}` };
  yield { type: "done", usage: { prompt_tokens: 2, completion_tokens: count, total_tokens: count + 2 }, finishReason: "length" };
}

const metrics = () => new RequestMetrics(new Registry());
const taskOf = (model: string) => (model === "embed" ? "text-embeddings" : "text-generation");

test("recent() lists finished requests newest first with status, latency, ttft and tokens", async () => {
  const m = metrics();
  const run = m.instrument(async (model): Promise<RunResult> => {
    if (model === "embed") return { kind: "json", value: { shape: [1, 2], data: [[0, 1]] } };
    if (model === "missing") throw new OutpostError("MODEL_NOT_FOUND", "No such model missing or task");
    return { kind: "events", events: tokens(3) };
  }, taskOf);

  await run("embed", {});
  await assert.rejects(run("missing", {}));
  const stream = await run("gen", {});
  assert.equal(m.recent().length, 2, "a stream is recorded when it ends, not when it starts");
  if (stream.kind !== "events") throw new Error("expected events");
  for await (const _ of stream.events);

  const [gen, missing, embed] = m.recent();
  const pick = (r: typeof gen) => ({ model: r?.model, task: r?.task, status: r?.status, completionTokens: r?.completionTokens, hasTtft: r !== undefined && "ttftMs" in r });
  assert.deepEqual(pick(gen), { model: "gen", task: "text-generation", status: 200, completionTokens: 3, hasTtft: true });
  assert.deepEqual(pick(missing), { model: "missing", task: "text-generation", status: 400, completionTokens: undefined, hasTtft: false });
  assert.deepEqual(pick(embed), { model: "embed", task: "text-embeddings", status: 200, completionTokens: undefined, hasTtft: false });
  assert.ok(gen!.ttftMs! >= 0 && gen!.ttftMs! <= gen!.latencyMs);
  assert.ok(!Number.isNaN(Date.parse(embed!.at)));
});

test("whole generations count their tokens from the result's usage; embeddings count prompt tokens", async () => {
  const m = metrics();
  const run = m.instrument(async (model) => ({ kind: "json", value: model === "embed" ? { shape: [1, 1], data: [[1]], usage: { prompt_tokens: 4, total_tokens: 4 } } : { response: "abc", usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 } } }), taskOf);
  await run("gen", {});
  await run("embed", {});
  const count = async (counter: RequestMetrics["completionTokens"], model: string) => (await counter.get()).values.find((v) => v.labels.model === model)?.value;
  assert.equal(await count(m.completionTokens, "gen"), 3);
  assert.equal(await count(m.promptTokens, "gen"), 2);
  assert.equal(await count(m.promptTokens, "embed"), 4);
  assert.equal(await count(m.completionTokens, "embed"), undefined);
  assert.deepEqual(m.recent().map((r) => [r.model, r.completionTokens]), [["embed", undefined], ["gen", 3]]);
});

test("a stream the client leaves early is recorded as 499 with the tokens it was sent and its prompt's", async () => {
  const m = metrics();
  const run = m.instrument(async () => ({ kind: "events", events: tokens(10) }), taskOf);
  const stream = await run("gen", {});
  if (stream.kind !== "events") throw new Error("expected events");
  let seen = 0;
  for await (const _ of stream.events) if (++seen === 4) break;
  const [record] = m.recent();
  assert.equal(record?.status, 499);
  assert.equal(record?.completionTokens, 4);
  assert.equal(record?.promptTokens, 2);
  assert.equal((await m.promptTokens.get()).values[0]?.value, 2);
  const counted = (await m.requests.get()).values.find((v) => v.labels.status === "499")?.value;
  assert.equal(counted, 1, "the Prometheus counter and the log agree");
});

test("the log keeps only the last RECENT_REQUESTS requests", async () => {
  const m = metrics();
  const run = m.instrument(async () => ({ kind: "json", value: {} }), taskOf);
  for (let i = 0; i < RECENT_REQUESTS + 5; i++) await run(`m${i}`, {});
  const recent = m.recent();
  assert.equal(recent.length, RECENT_REQUESTS);
  assert.equal(recent[0]?.model, `m${RECENT_REQUESTS + 4}`);
  assert.equal(recent.at(-1)?.model, "m5");
});

test("a client that went away is 499, whichever part noticed first and raised ABORTED", async () => {
  const m = metrics();
  const aborted = new AbortController();
  aborted.abort();
  async function* cancelledMidway(): AsyncIterable<RunEvent> {
    yield { type: "token", text: "a" };
    yield { type: "error", error: { code: "ABORTED", message: "The request was cancelled" } };
  }
  const run = m.instrument(async (model): Promise<RunResult> => {
    if (model === "queued") throw new OutpostError("ABORTED", "The request was cancelled while queued");
    return { kind: "events", events: cancelledMidway() };
  }, taskOf);
  await assert.rejects(run("queued", {}, { signal: aborted.signal }));
  const stream = await run("streaming", {}, { signal: aborted.signal });
  if (stream.kind !== "events") throw new Error("expected events");
  for await (const _ of stream.events);
  assert.deepEqual(m.recent().map((r) => [r.model, r.status]), [["streaming", 499], ["queued", 499]]);
  // Without a disconnect the same error keeps its own status.
  await assert.rejects(run("queued", {}));
  assert.equal(m.recent()[0]?.status, 408);
});

test("ids outside the catalog are counted under one label, in the metrics and the request log", async () => {
  const m = metrics();
  const run = m.instrument(async () => Promise.reject(new OutpostError("MODEL_NOT_FOUND", "No such model")), (model) => {
    if (model !== "gen") throw new OutpostError("MODEL_NOT_FOUND", `No such model ${model}`);
    return "text-generation";
  });
  for (let i = 0; i < 50; i++) await assert.rejects(run(`@cf/flood/${i}`, {}));
  const series = (await m.requests.get()).values;
  assert.deepEqual(series.map((v) => [v.labels.model, v.labels.task, v.labels.status, v.value]), [[UNKNOWN_MODEL, "unknown", "400", 50]]);
  assert.ok(m.recent().every((r) => r.model === UNKNOWN_MODEL));
});

test("instrument() keeps no reference to the inputs while the request waits", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const m = metrics();
  let release!: () => void;
  const run = m.instrument((_model, _inputs) => new Promise<RunResult>((resolve) => (release = () => resolve({ kind: "json", value: {} }))), taskOf);
  const start = () => {
    const inputs = { messages: [{ role: "user", content: "x" }] };
    return { ref: new WeakRef(inputs), pending: run("gen", inputs) };
  };
  const { ref, pending } = start();
  for (let i = 0; i < 5 && ref.deref() !== undefined; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  assert.equal(ref.deref(), undefined);
  release();
  await pending;
});
