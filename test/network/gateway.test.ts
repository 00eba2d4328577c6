import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startNats, type NatsTopology } from "../helpers/nats.js";
import { postJson, REPO_ROOT, STORIES } from "../helpers/server.js";
import { LIS, MAD, startNode, waitFor, waitForMembers, type TestNode } from "./harness.js";

/** How long a gateway, or a cached answer, may take to reach another node: "within seconds". */
const REPLICATION_BOUND_MS = 5_000;

function gatewaysCli(dataDir: string, args: string[]): string {
  const run = spawnSync(process.execPath, [join(REPO_ROOT, "bin/outpost.js"), "gateways", ...args, "--data-dir", dataDir], { encoding: "utf8", timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

/** AI Gateway across two nodes on real NATS: gateways replicate with the accounts, and a hit in one city serves the other. */
describe("outpost network: AI Gateway on every node", { timeout: 120_000 }, () => {
  let nats: NatsTopology;
  let lis: TestNode, mad: TestNode;
  before(async () => {
    nats = await startNats({ eu: 1 });
    [lis, mad] = await Promise.all([startNode(LIS, nats.urls("eu")), startNode(MAD, nats.urls("eu"))]);
    await waitForMembers(lis, ["mad-1"]);
  });
  after(async () => {
    await Promise.all([lis, mad].map((n) => n?.stop()));
    await nats?.stop();
  });
  const ids = async (node: TestNode) => ((await (await fetch(`${node.url}/api/gateways`)).json()) as { result: { id: string }[] }).result.map((g) => g.id);
  const ask = (node: TestNode, inputs: unknown) => postJson(`${node.url}/v1/acme/shared/workers-ai/run/${STORIES}`, inputs);

  it("a gateway created on lis exists on mad within seconds; removed on mad, lis forgets it", async () => {
    gatewaysCli(lis.dataDir, ["create", "shared", "--cache-ttl", "3600"]);
    await waitFor("the gateway on mad", async () => (await ids(mad)).includes("shared"), REPLICATION_BOUND_MS);
    gatewaysCli(mad.dataDir, ["create", "brief", "--cache-ttl", "60"]);
    await waitFor("mad's gateway on lis", async () => (await ids(lis)).includes("brief"), REPLICATION_BOUND_MS);
    gatewaysCli(mad.dataDir, ["rm", "brief"]);
    await waitFor("the removal on lis", async () => !(await ids(lis)).includes("brief"), REPLICATION_BOUND_MS);
  });

  it("an answer cached through lis is a HIT on mad, with the same bytes, without running the model there", async () => {
    const inputs = { prompt: "Once upon a time", max_tokens: 8, seed: 99 };
    const first = await ask(lis, inputs);
    const bytes = await first.text();
    assert.equal(first.headers.get("cf-aig-cache-status"), "MISS", bytes);
    const started = performance.now();
    const hit = await waitFor("the entry on mad", async () => {
      const response = await ask(mad, inputs);
      const text = await response.text();
      return response.headers.get("cf-aig-cache-status") === "HIT" && text;
    }, REPLICATION_BOUND_MS);
    assert.equal(hit, bytes);
    console.log(`# gateway cache: an entry stored on lis answered on mad after ${Math.round(performance.now() - started)} ms`);
    // A stream too: the same SSE bytes in the other city.
    const streamed = await (await ask(mad, { ...inputs, seed: 100, stream: true })).text();
    const replayed = await waitFor("the stream on lis", async () => {
      const response = await ask(lis, { ...inputs, seed: 100, stream: true });
      const text = await response.text();
      return response.headers.get("cf-aig-cache-status") === "HIT" && text;
    }, REPLICATION_BOUND_MS);
    assert.equal(replayed, streamed);
  });
});
