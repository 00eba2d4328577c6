import assert from "node:assert/strict";
import { after, test } from "node:test";
import { eventually, metric, rssBytes } from "../helpers/metrics.js";
import { readSse } from "../helpers/sse.js";
import { postJson, startServer, STORIES, STORIES_EMBEDDINGS, TINYSTORIES_656K, type TestServer } from "../helpers/server.js";

const servers: TestServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});
async function server(flags: Record<string, string>): Promise<TestServer> {
  const s = await startServer(flags);
  servers.push(s);
  return s;
}
const run = (s: TestServer, model: string, inputs: unknown) => postJson(`${s.url}/ai/run/${model}`, inputs);

test("concurrent first requests share one load", async () => {
  const s = await server({});
  const responses = await Promise.all([1, 2, 3].map(() => run(s, STORIES, { prompt: "Once", max_tokens: 4 })));
  assert.deepEqual(responses.map((r) => r.status), [200, 200, 200]);
  assert.equal(await metric(s.url, "outpost_model_loads_total", { model: STORIES }), 1);
});

test("a new request joins a running batch instead of waiting for it to finish", async () => {
  const s = await server({ slots: "2" });
  await run(s, STORIES, { prompt: "Once", max_tokens: 1 });
  const order: string[] = [];
  let second: Promise<unknown> | undefined;
  const first = run(s, STORIES, { prompt: "Once upon a time", max_tokens: 500, stream: true, seed: 1 }).then((r) =>
    readSse(r.body!, (data) => {
      if (!second) {
        second = run(s, STORIES, { prompt: "Tom", max_tokens: 3, stream: true, seed: 2 }).then((r2) =>
          readSse(r2.body!, (d) => {
            if (!order.includes("second:first-token") && d !== "[DONE]") order.push("second:first-token");
          }),
        );
      }
      if (data === "[DONE]") order.push("first:done");
    }),
  );
  await first;
  await second;
  assert.ok(order.indexOf("second:first-token") >= 0 && order.indexOf("second:first-token") < order.indexOf("first:done"), `order was ${order.join(", ")}`);
});

test("a flash crowd beyond slots and queue gets 429s with Retry-After, and the server keeps serving", async () => {
  const s = await server({ slots: "2", "max-queue": "2" });
  await run(s, STORIES, { prompt: "Once", max_tokens: 1 });
  const responses = await Promise.all(Array.from({ length: 20 }, () => run(s, STORIES, { prompt: "Once upon a time", max_tokens: 300 })));
  const rejected = responses.filter((r) => r.status === 429);
  assert.ok(rejected.length >= 10, `${rejected.length} of 20 were rejected`);
  assert.equal(responses.filter((r) => r.status === 200).length + rejected.length, 20);
  for (const r of rejected) {
    assert.equal(r.headers.get("retry-after"), "1");
    const body = (await r.json()) as { errors: { code: number }[] };
    assert.equal(body.errors[0]?.code, 3040);
  }
  assert.equal(await metric(s.url, "outpost_rejections_total", { model: STORIES }), rejected.length);
  assert.equal((await run(s, STORIES, { prompt: "Once", max_tokens: 4 })).status, 200);
});

test("under a memory budget for one model, loading another evicts the idle one", async () => {
  // Each runner measures about 100 MB here; the next load is budgeted at its file size + 128 MiB.
  const s = await server({ "memory-budget-bytes": String(200_000_000) });
  assert.equal((await run(s, STORIES, { prompt: "Once", max_tokens: 2 })).status, 200);
  assert.equal(await metric(s.url, "outpost_model_loaded", { model: STORIES }), 1);
  assert.equal((await run(s, TINYSTORIES_656K, { prompt: "Once", max_tokens: 2 })).status, 200);
  assert.equal(await metric(s.url, "outpost_model_evictions_total", { model: STORIES }), 1);
  assert.equal(await metric(s.url, "outpost_model_loaded", { model: STORIES }), 0);
  assert.equal(await metric(s.url, "outpost_model_loaded", { model: TINYSTORIES_656K }), 1);
  assert.equal((await run(s, STORIES, { prompt: "Once", max_tokens: 2 })).status, 200);
  assert.equal(await metric(s.url, "outpost_model_evictions_total", { model: TINYSTORIES_656K }), 1);
});

test("keep-alive: models stay loaded by default and unload at once with keepAliveMs 0", async () => {
  const s = await server({});
  assert.equal((await run(s, STORIES, { prompt: "Once", max_tokens: 2 })).status, 200);
  assert.equal((await run(s, STORIES_EMBEDDINGS, { text: "Once", options: { keepAliveMs: 0 } })).status, 200);
  assert.ok(await eventually(async () => (await metric(s.url, "outpost_model_loaded", { model: STORIES_EMBEDDINGS })) === 0));
  assert.equal(await metric(s.url, "outpost_model_loaded", { model: STORIES }), 1);
});

test("per-request options are validated like inputs", async () => {
  const s = servers[0]!;
  const response = await run(s, STORIES, { prompt: "Once", options: { rejectIfBusy: "yes" } });
  assert.equal(response.status, 400);
  const body = (await response.json()) as { errors: { message: string }[] };
  assert.match(body.errors[0]?.message ?? "", /options\/rejectIfBusy/);
});

test("a client reading a few bytes at a time gets the whole stream while server memory stays flat", async () => {
  const s = servers[0]!;
  const pid = s.process.pid!;
  const response = await run(s, STORIES, { prompt: "Once upon a time", max_tokens: 500, stream: true, seed: 5 });
  const reader = response.body!.getReader();
  const rssBefore = rssBytes(pid);
  let peak = rssBefore;
  let text = "";
  const decoder = new TextDecoder();
  const deadline = Date.now() + 3_000;
  // undici hands over whatever arrived; taking one chunk per 100 ms keeps this reader slow.
  while (Date.now() < deadline) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    peak = Math.max(peak, rssBytes(pid));
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal((await run(s, STORIES, { prompt: "Once", max_tokens: 2 })).status, 200, "other requests are served meanwhile");
  for (let next = await reader.read(); !next.done; next = await reader.read()) text += decoder.decode(next.value, { stream: true });
  assert.match(text, /data: \[DONE\]\n\n$/);
  assert.ok(peak - rssBefore < 32 * 1024 * 1024, `server RSS grew by ${peak - rssBefore} bytes`);
});

test("while a model loads, rejectIfBusy gets 503 with Retry-After and a plain request waits for the load", async () => {
  const s = await server({});
  const waiting = run(s, TINYSTORIES_656K, { prompt: "Once", max_tokens: 2 });
  const refused = await run(s, TINYSTORIES_656K, { prompt: "Once", max_tokens: 2, options: { rejectIfBusy: true } });
  assert.equal(refused.status, 503);
  assert.equal(refused.headers.get("retry-after"), "2");
  assert.equal(((await refused.json()) as { errors: { code: number }[] }).errors[0]?.code, 3040);
  assert.equal((await waiting).status, 200);
});
