import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createRemoteAi } from "../../src/binding/index.js";
import { startNats, type NatsTopology } from "../helpers/nats.js";
import { MODEL_MIRROR, postJson, STORIES, STORIES_EMBEDDINGS, TINYSTORIES_656K } from "../helpers/server.js";
import { cli, holdSlot, LIS, MAD, NYC, PAR, readSse, startNode, view, waitFor, waitForLoad, waitForMembers, type Hold, type TestNode } from "./harness.js";

/**
 * Two regions on one machine: NATS clusters `eu` and `us` joined by a gateway; cities lis and
 * mad (eu, with models), par (eu, no models: every request it takes is routed) and nyc (us).
 * One slot and no queue per node, so "full" is exact.
 */
describe("outpost network: routing, spillover, residency, distribution", { timeout: 240_000 }, () => {
  let nats: NatsTopology;
  let lis: TestNode, mad: TestNode, par: TestNode, nyc: TestNode;
  const holds: Hold[] = [];
  const run = (node: TestNode, body: unknown, headers: Record<string, string> = {}, model = STORIES) => postJson(`${node.url}/ai/run/${model}`, body, headers);

  before(async () => {
    nats = await startNats({ eu: 1, us: 1 });
    const eu = nats.urls("eu");
    const noQueue = { "max-queue": "0" };
    [lis, mad, par, nyc] = await Promise.all([
      startNode(LIS, eu, { flags: noQueue }),
      startNode(MAD, eu, { flags: noQueue }),
      startNode(PAR, eu, { models: false, flags: { ...noQueue, "residency-policy": "acme-us=region:us" } }),
      startNode(NYC, nats.urls("us"), { flags: noQueue }),
    ]);
    await waitForMembers(par, ["lis-1", "mad-1", "nyc-1"]);
  });

  after(async () => {
    await Promise.all(holds.map((h) => h.release().catch(() => undefined)));
    await Promise.all([lis, mad, par, nyc].map((n) => n?.stop()));
    await nats?.stop();
  });

  const hold = async (node: TestNode) => {
    const h = await holdSlot(nats.urls(node === nyc ? "us" : "eu"), node.node);
    holds.push(h);
    await waitForLoad(par, node.node, 1);
    return h;
  };

  it("serves from the nearest city with the model, on every surface, byte for byte as that city would", async () => {
    // Adverts trail a freed slot by up to ADVERT_MIN_GAP_MS: each check waits until par sees mad idle.
    const viaPar = async (send: () => Promise<Response>) => {
      await waitForLoad(par, "mad-1", 0);
      const response = await send();
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("x-outpost-city"), "mad");
      return response;
    };
    const body = { prompt: "Once upon a time", max_tokens: 16, seed: 7, temperature: 0 };
    const routed = await viaPar(() => run(par, body));
    assert.equal(routed.headers.get("x-outpost-node"), "mad-1");
    const direct = await run(mad, body);
    assert.equal(direct.headers.get("x-outpost-city"), "mad");
    assert.deepEqual(await routed.json(), await direct.json());

    assert.equal((await run(lis, body, { "x-outpost-residency": "city:lis" })).status, 200);
    await waitFor("lis to advertise its model loaded", async () => (await view(par)).nodes.find((n) => n.node === "lis-1")?.models[STORIES]?.loaded);
    const local = await run(lis, body);
    assert.equal(local.headers.get("x-outpost-city"), "lis", "a node with the model and a free slot serves its own request");

    const sse = await readSse(await viaPar(() => run(par, { ...body, stream: true })));
    assert.equal(sse.data.at(-1), "[DONE]");
    assert.equal(sse.data.length, 16 + 2);

    const chat = await viaPar(() => postJson(`${par.url}/v1/chat/completions`, { model: STORIES, messages: [{ role: "user", content: "Hi" }], max_tokens: 8 }));
    assert.equal(((await chat.json()) as { object: string }).object, "chat.completion");

    const embeddings = await viaPar(() => postJson(`${par.url}/v1/embeddings`, { model: STORIES_EMBEDDINGS, input: ["a cat", "a dog"] }));
    assert.equal(((await embeddings.json()) as { data: unknown[] }).data.length, 2);

    const binding = createRemoteAi(par.url);
    await viaPar(async () => (await binding.run(STORIES, { prompt: "Once", max_tokens: 4 }, { returnRawResponse: true })) as Response);
  });

  it("serves text-to-image for a node without the model: a PNG over 1 MiB crosses NATS byte for byte", async () => {
    // Seeded noise at 1024² does not compress, so the PNG is several times nats-server's max_payload.
    const body = { prompt: "a basic black and white coloring book page", width: 1024, height: 1024, num_steps: 1, seed: 11 };
    const model = "@outpost/sd-tiny-standin";
    const routed = await run(par, body, { "x-outpost-residency": "city:mad" }, model);
    assert.equal(routed.status, 200, await routed.clone().text());
    assert.equal(routed.headers.get("content-type"), "image/png");
    assert.equal(routed.headers.get("x-outpost-city"), "mad");
    const remote = new Uint8Array(await routed.arrayBuffer());
    assert.ok(remote.byteLength > 1024 * 1024, `the PNG is ${remote.byteLength} bytes`);
    const direct = new Uint8Array(await (await run(mad, body, {}, model)).arrayBuffer());
    assert.equal(createHash("sha256").update(remote).digest("hex"), createHash("sha256").update(direct).digest("hex"));
  });

  it("renders a remote error exactly like a local one", async () => {
    const tooLong = { prompt: "Once upon a time ".repeat(200), max_tokens: 4 };
    const failedBefore = (await view(mad)).servedForOthers.failed;
    const routed = await run(par, tooLong, { "x-outpost-residency": "city:mad" });
    assert.equal((await view(mad)).servedForOthers.failed, failedBefore + 1, "the error came from mad, over NATS");
    const direct = await run(mad, tooLong);
    assert.equal(routed.status, direct.status);
    assert.notEqual(routed.status, 200);
    assert.deepEqual(await routed.json(), await direct.json());
  });

  it("spills over to the next nearest city when the nearest is full, then to the other region, then 429", async () => {
    const body = { prompt: "Once", max_tokens: 4 };
    const madHold = await hold(mad);
    assert.equal((await run(par, body)).headers.get("x-outpost-city"), "lis");
    const lisHold = await hold(lis);
    assert.equal((await run(par, body)).headers.get("x-outpost-city"), "nyc");

    const inEu = await run(par, body, { "x-outpost-residency": "region:eu" });
    assert.equal(inEu.status, 503);
    assert.ok(inEu.headers.get("retry-after"));
    const residencyError = (await inEu.json()) as { errors: { code: number; message: string }[] };
    assert.equal(residencyError.errors[0]?.code, 3046);
    assert.match(residencyError.errors[0]?.message ?? "", /region:eu.*never served outside/);

    const nycHold = await hold(nyc);
    const full = await run(par, body);
    assert.equal(full.status, 429);
    assert.equal(full.headers.get("retry-after"), "1");
    const capacity = (await full.json()) as { errors: { code: number; message: string }[] };
    assert.equal(capacity.errors[0]?.code, 3040);
    assert.match(capacity.errors[0]?.message ?? "", /Out of capacity/);

    for (const h of [madHold, lisHold, nycHold]) await h.release();
    holds.length = 0;
    await waitForLoad(par, "mad-1", 0);
    assert.equal((await run(par, body)).headers.get("x-outpost-city"), "mad");
  });

  it("keeps a request inside the regions or cities its header or account allows, and never outside", async () => {
    const body = { prompt: "Once", max_tokens: 4 };
    assert.equal((await run(par, body, { "x-outpost-residency": "region:us" })).headers.get("x-outpost-city"), "nyc");
    assert.equal((await run(par, body, { "x-outpost-residency": "city:lis" })).headers.get("x-outpost-city"), "lis");
    assert.equal((await run(par, { ...body, options: { residency: "region:us" } })).headers.get("x-outpost-city"), "nyc", "as a per-request option");
    const viaBinding = (await createRemoteAi(par.url).run(STORIES, body, { residency: "region:us", returnRawResponse: true })) as Response;
    assert.equal(viaBinding.headers.get("x-outpost-city"), "nyc", "as the binding's option");

    const account = (id: string, headers: Record<string, string> = {}) => postJson(`${par.url}/client/v4/accounts/${id}/ai/run/${STORIES}`, body, headers);
    const policed = await account("acme-us");
    assert.equal(policed.headers.get("x-outpost-city"), "nyc", `account policy region:us: ${policed.status} ${await policed.text()}`);
    await waitForLoad(par, "mad-1", 0);
    assert.equal((await account("other")).headers.get("x-outpost-city"), "mad");
    const narrowed = await account("acme-us", { "x-outpost-residency": "region:eu" });
    assert.equal(narrowed.status, 503, "a request can narrow its account's policy, never widen it");

    const bad = await run(par, body, { "x-outpost-residency": "continent:eu" });
    assert.equal(bad.status, 400);

    // A burst larger than eu's two slots: every answer is served in eu or refused, none in us.
    const burst = await Promise.all(Array.from({ length: 6 }, () => run(par, { prompt: "Once", max_tokens: 32 }, { "x-outpost-residency": "region:eu" })));
    for (const response of burst) {
      const city = response.headers.get("x-outpost-city");
      if (response.status === 200) assert.ok(city === "lis" || city === "mad", `served in ${city}`);
      else assert.equal(city, null);
      await response.arrayBuffer();
    }
    assert.ok(burst.some((r) => r.status === 200));
  });

  it("stops the remote runner when the client disconnects at the edge", async () => {
    const before = (await view(mad)).servedForOthers.cancelled;
    const response = await run(par, { prompt: "Once upon a time", max_tokens: 450, stream: true }, { "x-outpost-residency": "city:mad" });
    assert.equal(response.headers.get("x-outpost-city"), "mad");
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    await waitFor("mad to count the cancelled request", async () => (await view(mad)).servedForOthers.cancelled === before + 1, 5_000);
    await waitForLoad(mad, "mad-1", 0);
  });

  it("distributes a model through the object store: a node without it pulls, verifies and serves it", async () => {
    const here = { "x-outpost-residency": "city:par" };
    const body = { prompt: "Once upon a time", max_tokens: 8 };
    const before = await run(par, body, here, TINYSTORIES_656K);
    assert.equal(before.status, 503, "par has no model files and nothing is published yet");

    const published = await cli(["models", "publish", TINYSTORIES_656K, "--nats", nats.urls("eu"), "--model-mirror", MODEL_MIRROR]);
    assert.equal(published.code, 0, published.output);
    const sha256 = createHash("sha256").update(readFileSync(join(MODEL_MIRROR, "TinyStories-656K-Q8_0.gguf"))).digest("hex");
    assert.match(published.output, new RegExp(sha256));

    await waitFor("par to list the published model as loadable", async () => (await view(par)).nodes.find((n) => n.self)?.loadable.includes(TINYSTORIES_656K));
    const served = await run(par, body, here, TINYSTORIES_656K);
    assert.equal(served.status, 200, await served.clone().text());
    assert.equal(served.headers.get("x-outpost-city"), "par");
    // Now in par's own store, as if pulled: listed with its digest, and the blob's bytes match.
    const local = (await (await fetch(`${par.url}/api/models`)).json()) as { result: { model: string; location: string; path: string; digest?: string }[] };
    const stored = local.result.find((m) => m.model === TINYSTORIES_656K);
    assert.equal(stored?.location, "store");
    assert.equal(stored?.digest, `sha256:${sha256}`);
    assert.equal(createHash("sha256").update(readFileSync(stored.path)).digest("hex"), sha256);
  });

  it("lists cities, nodes, models, load and health over HTTP and in the CLI", async () => {
    const v = await view(par);
    assert.deepEqual(v.cities.map((c) => `${c.region}/${c.city}:${c.healthy}`).sort(), ["eu/lis:1", "eu/mad:1", "eu/par:1", "us/nyc:1"]);
    assert.ok(v.models[STORIES]?.cities.includes("mad"));
    assert.ok((v.servedByCity.mad ?? 0) > 0 && (v.servedByCity.nyc ?? 0) > 0);
    const madRow = v.nodes.find((n) => n.node === "mad-1");
    assert.equal(madRow?.health, "ok");
    assert.ok((madRow?.speed.tokensPerS[STORIES] ?? 0) > 0, "speed fingerprint measured");

    const metrics = await (await fetch(`${par.url}/metrics`)).text();
    assert.match(metrics, /outpost_network_requests_total\{model="@cf\/karpathy\/tinyllamas-stories-260k",city="mad",region="eu",route="remote"\} [1-9]/);
    const log = (await (await fetch(`${par.url}/api/requests`)).json()) as { result: { city?: string }[] };
    assert.ok(log.result.some((r) => r.city === "nyc"), "the request log names the serving city");

    const shown = await cli(["network", "--json", "--nats", nats.urls("us")]);
    assert.equal(shown.code, 0, shown.output);
    const listed = JSON.parse(shown.output) as { nodes: { node: string; health: string }[] };
    assert.deepEqual(listed.nodes.map((n) => `${n.node}:${n.health}`).sort(), ["lis-1:ok", "mad-1:ok", "nyc-1:ok", "par-1:ok"]);
  });
});
