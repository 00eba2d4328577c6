import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startNats, type NatsTopology } from "../helpers/nats.js";
import { postJson } from "../helpers/server.js";
import { LIS, PAR, startNode, waitFor, waitForMembers, type TestNode } from "./harness.js";

const ESPEAK = "@outpost/espeak-ng";

/** A model that is programs (espeak-ng, lame) is local on every node that has them installed. */
describe("text-to-speech in a network", () => {
  let nats: NatsTopology;
  let lis: TestNode;
  let par: TestNode;

  before(async () => {
    nats = await startNats({ eu: 1 });
    // Paris has no model files at all: espeak-ng needs none.
    [lis, par] = await Promise.all([startNode(LIS, nats.urls("eu")), startNode(PAR, nats.urls("eu"), { models: false })]);
    await waitForMembers(par, ["lis-1"]);
  });

  after(async () => {
    await Promise.all([lis, par].map((n) => n?.stop()));
    await nats?.stop();
  });

  it("each node advertises espeak-ng and serves it, the same MP3 in every city", async () => {
    const advertised = await waitFor("espeak-ng in every node's advert", async () => {
      const view = (await (await fetch(`${par.url}/network`)).json()) as { nodes: { node: string; loadable: string[] }[] };
      const nodes = view.nodes.filter((n) => n.loadable.includes(ESPEAK)).map((n) => n.node);
      return nodes.length === 2 && nodes.sort();
    });
    assert.deepEqual(advertised, ["lis-1", "par-1"]);
    const audio: string[] = [];
    for (const node of [par, lis]) {
      const res = await postJson(`${node.url}/ai/run/${ESPEAK}`, { prompt: "Hello from the network" });
      assert.equal(res.status, 200, await res.clone().text());
      audio.push(((await res.json()) as { result: { audio: string } }).result.audio);
    }
    assert.equal(audio[0], audio[1]);
  });
});
