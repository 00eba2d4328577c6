import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startNats, type NatsTopology } from "../helpers/nats.js";
import { postJson, STORIES } from "../helpers/server.js";
import { holdSlot, LIS, MAD, PAR, readSse, settle, startNode, view, waitFor, waitForLoad, waitForMembers, type Hold, type TestNode } from "./harness.js";

/**
 * Faults on a 3-server NATS cluster: cities lis and mad serve (one slot, a small queue), par has
 * no models so every request it takes crosses NATS. Nodes are killed, frozen and restarted, and
 * one NATS server is killed.
 */
describe("outpost network: failover", { timeout: 240_000 }, () => {
  let nats: NatsTopology;
  let lis: TestNode, mad: TestNode, par: TestNode;
  const holds: Hold[] = [];
  const body = { prompt: "Once upon a time", max_tokens: 8 };
  const run = (node: TestNode, payload: unknown = body, headers: Record<string, string> = {}) => postJson(`${node.url}/ai/run/${STORIES}`, payload, headers);
  /**
   * par's accept deadline: what the frozen-node test waits out. Above the default 300 ms, so a
   * live node slowed by a loaded machine is not taken for frozen and the other tests hold.
   */
  const acceptTimeoutMs = 1_000;
  const startMad = () => startNode(MAD, nats.urls("eu"), { flags: { "max-queue": "4" } });

  /** Loads the model on lis and mad and waits until par sees both loaded and idle. */
  const warm = async () => {
    for (const city of ["lis", "mad"]) assert.equal((await run(par, body, { "x-outpost-residency": `city:${city}` })).status, 200);
    await waitFor("lis and mad loaded and idle", async () => {
      const v = await view(par);
      return ["lis-1", "mad-1"].every((n) => {
        const load = v.nodes.find((row) => row.node === n && row.health === "ok")?.models[STORIES];
        return load?.loaded && load.active === 0;
      });
    });
  };

  const restartMad = async () => {
    await mad.stop();
    mad = await startMad();
    await waitForMembers(par, ["mad-1"]);
    await warm();
  };

  before(async () => {
    nats = await startNats({ eu: 3 });
    const eu = nats.urls("eu");
    [lis, mad, par] = await Promise.all([startNode(LIS, eu, { flags: { "max-queue": "4" } }), startMad(), startNode(PAR, eu, { models: false, flags: { "accept-timeout-ms": String(acceptTimeoutMs) } })]);
    await waitForMembers(par, ["lis-1", "mad-1"]);
    await warm();
  });

  after(async () => {
    mad?.process.kill("SIGCONT");
    await Promise.all(holds.map((h) => h.release().catch(() => undefined)));
    await Promise.all([lis, mad, par].map((n) => n?.stop()));
    await nats?.stop();
  });

  it("serves elsewhere when the nearest node was killed (SIGKILL) before the request", async () => {
    assert.equal((await run(par)).headers.get("x-outpost-city"), "mad");
    await settle();
    mad.process.kill("SIGKILL");
    const started = performance.now();
    const response = await run(par);
    const failoverMs = performance.now() - started;
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-outpost-city"), "lis");
    // par still had mad's advert (3 s TTL): the fast path is NATS's "no responders".
    assert.ok(failoverMs < 2_500, `failover took ${failoverMs} ms`);
    await restartMad();
    assert.equal((await run(par)).headers.get("x-outpost-city"), "mad");
  });

  it("routes around a frozen node (SIGSTOP) after the accept timeout, and back after SIGCONT", async () => {
    await settle();
    mad.process.kill("SIGSTOP");
    try {
      const started = performance.now();
      const response = await run(par);
      const failoverMs = performance.now() - started;
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("x-outpost-city"), "lis");
      assert.ok(failoverMs >= acceptTimeoutMs, `par tried mad first and waited for its accept (${failoverMs} ms)`);
      assert.ok(failoverMs < 3_000, `failover took ${failoverMs} ms`);
      const next = await run(par);
      assert.equal(next.headers.get("x-outpost-city"), "lis", "a node that did not accept is left out");
    } finally {
      mad.process.kill("SIGCONT");
    }
    await waitFor("par to route to mad again", async () => (await run(par)).headers.get("x-outpost-city") === "mad", 10_000);
  });

  it("serves a request elsewhere, transparently, when its node dies while it waits in the queue", async () => {
    const eu = nats.urls("eu");
    const madHold = await holdSlot(eu, "mad-1");
    holds.push(madHold);
    const lisHold = await holdSlot(eu, "lis-1");
    holds.push(lisHold);
    await waitForLoad(par, "mad-1", 1);
    await waitForLoad(par, "lis-1", 1);

    const pending = run(par, { ...body, stream: true });
    await waitFor("the request to queue at mad", async () => (await view(mad)).nodes.find((n) => n.self)?.models[STORIES]?.queued === 1);
    mad.process.kill("SIGKILL");
    await waitFor("the request to move to lis's queue", async () => (await view(lis)).nodes.find((n) => n.self)?.models[STORIES]?.queued === 1, 5_000);
    await lisHold.release();
    const response = await pending;
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(response.headers.get("x-outpost-city"), "lis");
    const sse = await readSse(response);
    assert.equal(sse.error, false);
    assert.equal(sse.data.at(-1), "[DONE]");
    await madHold.release().catch(() => undefined);
    holds.length = 0;
    await restartMad();
  });

  it("ends a stream with an error event, never a hang, when its node dies after tokens were sent", async () => {
    const response = await run(par, { prompt: "Once upon a time", max_tokens: 450, stream: true });
    assert.equal(response.headers.get("x-outpost-city"), "mad", JSON.stringify((await view(par)).nodes.map((n) => [n.node, n.health, n.rttMs, n.models])));
    const reader = response.body!.getReader();
    const first = await reader.read();
    assert.ok(first.value && first.value.length > 0);
    mad.process.kill("SIGKILL");
    let text = new TextDecoder().decode(first.value);
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    assert.match(text, /event: error\ndata: \{"errors":\[\{"code":3043,"message":"Lost contact with node mad-1 in mad mid-stream/);
    assert.doesNotMatch(text, /\[DONE\]/);
    await restartMad();
  });

  it("keeps requests flowing when one NATS server of three is killed (SIGKILL)", async () => {
    nats.servers[0]?.signal("SIGKILL");
    const byCity = (city: string) => run(par, body, { "x-outpost-residency": `city:${city}` });
    await waitFor("a routed request to succeed after the reconnect", async () => (await byCity("mad")).status === 200, 10_000);
    for (let i = 0; i < 10; i += 1) {
      const city = i % 2 === 0 ? "lis" : "mad";
      const response = await byCity(city);
      assert.equal(response.status, 200, `request ${i}: ${await response.text()}`);
      assert.equal(response.headers.get("x-outpost-city"), city);
    }
    await waitForMembers(par, ["lis-1", "mad-1"]);
  });
});
