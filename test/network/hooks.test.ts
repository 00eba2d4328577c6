import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { envelopeResult } from "../helpers/http.js";
import { startNats, type NatsTopology } from "../helpers/nats.js";
import { postJson, STORIES } from "../helpers/server.js";
import { LIS, MAD, startNode, waitForMembers, type TestNode } from "./harness.js";

const PLUGIN = "test/e2e/fixtures/where-plugin.mjs";

/** Plugins on two nodes over real NATS: request hooks where a request arrives, token hooks where its model runs. */
describe("outpost network: plugin hooks on the receiving and the serving node", { timeout: 120_000 }, () => {
  let nats: NatsTopology;
  let lis: TestNode, mad: TestNode;
  before(async () => {
    nats = await startNats({ eu: 1 });
    // Lisbon has no model files: whatever it receives is served in Madrid.
    [lis, mad] = await Promise.all([
      startNode(LIS, nats.urls("eu"), { models: false, flags: { plugin: PLUGIN }, env: { WHERE_CITY: "lis" } }),
      startNode(MAD, nats.urls("eu"), { flags: { plugin: PLUGIN }, env: { WHERE_CITY: "mad" } }),
    ]);
    await waitForMembers(lis, ["mad-1"]);
  });
  after(async () => {
    await Promise.all([lis, mad].map((n) => n?.stop()));
    await nats?.stop();
  });

  it("onRequest runs in Lisbon, onToken in Madrid with Lisbon's metadata", async () => {
    const result = await envelopeResult<{ response: string }>(await postJson(`${lis.url}/ai/run/${STORIES}`, { prompt: "Once upon a time", max_tokens: 8, temperature: 0 }));
    assert.match(result.response, /^\[lis>mad\]/);
  });

  it("a request Madrid receives itself is tagged by Madrid alone", async () => {
    const result = await envelopeResult<{ response: string }>(await postJson(`${mad.url}/ai/run/${STORIES}`, { prompt: "Once upon a time", max_tokens: 8, temperature: 0 }));
    assert.match(result.response, /^\[mad>mad\]/);
  });
});
