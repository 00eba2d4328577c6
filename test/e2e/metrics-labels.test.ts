import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { metric } from "../helpers/metrics.js";
import { postJson, startServer, STORIES, type TestServer } from "../helpers/server.js";

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(() => server?.stop());

/** Largest /metrics allowed after the flood: a few times what a fresh server with one model serves. */
const METRICS_MAX_BYTES = 64 * 1024;
const FLOOD = 10_000;

test("10,000 unique model ids leave /metrics under a fixed size, counted under one label", async () => {
  assert.equal((await postJson(`${server.url}/ai/run/${STORIES}`, { prompt: "Once upon a time", max_tokens: 4 })).status, 200);
  const id = (i: number) => `@cf/flood/${i}-${"x".repeat(4_000)}`;
  let next = 0;
  // Both ways a model id enters: the binding proxy's header and the REST path.
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < FLOOD) {
        const i = next++;
        const response =
          i % 2 === 0
            ? await postJson(`${server.url}/client/v4/accounts/local/ai/run/proxy`, { inputs: { prompt: "hi" } }, { "cf-consn-model-id": id(i) })
            : await postJson(`${server.url}/ai/run/${encodeURIComponent(id(i))}`, { prompt: "hi" });
        assert.equal(response.status, 400);
        await response.body?.cancel();
      }
    }),
  );
  const text = await (await fetch(`${server.url}/metrics`)).text();
  assert.ok(text.length < METRICS_MAX_BYTES, `/metrics is ${text.length} bytes`);
  assert.doesNotMatch(text, /@cf\/flood/);
  // Unknown ids are refused before run() on both paths; whatever reaches the counters is under catalog ids or "(unknown)".
  const series = text.split("\n").filter((line) => line.startsWith("outpost_requests_total{"));
  assert.ok(series.every((line) => line.includes(`model="${STORIES}"`) || line.includes('model="(unknown)"')), series.join("\n"));
  assert.equal(await metric(server.url, "outpost_requests_total", { model: STORIES, status: "200" }), 1);
  const log = (await (await fetch(`${server.url}/api/requests`)).json()) as { result: { model: string }[] };
  assert.ok(log.result.every((r) => r.model.length < 100), "the request log carries no client-made ids either");
});
