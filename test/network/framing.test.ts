import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import type { EngineResult, LoadedModel, ModelDescriptor } from "../../src/contract/index.js";
import { FakeEngine, fakeByte, type FakeJob } from "../../src/engines/fake/index.js";
import { decodeReplies } from "../../src/network/codec.js";
import { connectBus, RemoteCaller, RemoteResponder, SUBJECTS } from "../../src/network/index.js";
import { startNats, type NatsTopology } from "../helpers/nats.js";
import { TEST_ACCEPT_TIMEOUT_MS } from "./harness.js";

const MiB = 1024 * 1024;
const model: ModelDescriptor = { id: "@test/fake", task: "text-generation", engine: "fake", chatTemplate: "bare", contextTokens: 64, maxTokensDefault: 1, maxTokensStreamDefault: 1 };

/**
 * Results far over nats-server's 1 MiB max_payload, between two connections of a real
 * nats-server: a node serving the fake engine (deterministic output, no weights) and a caller.
 */
describe("NATS carries results and jobs of any size, chunked", { timeout: 120_000 }, () => {
  let nats: NatsTopology;
  let close: () => Promise<void>;
  let caller: RemoteCaller;
  let loaded: LoadedModel;
  let executed = 0;

  before(async () => {
    nats = await startNats({ a: 1 });
    loaded = await new FakeEngine().load({ model, path: fileURLToPath(import.meta.url), slots: 1, threads: 1 });
    const [serving, calling] = await Promise.all([connectBus([nats.urls("a")], "serving"), connectBus([nats.urls("a")], "calling")]);
    const responder = new RemoteResponder(serving, "node-1", async (_model, job, options) => {
      executed += 1;
      return loaded.run(job, options.signal ?? new AbortController().signal);
    });
    responder.start();
    // The first call must not reach the server before the responder's subscription does.
    await serving.flush();
    caller = new RemoteCaller(calling, { acceptTimeoutMs: TEST_ACCEPT_TIMEOUT_MS });
    close = async () => {
      caller.close();
      responder.close();
      await Promise.all([serving.close(), calling.close()]);
    };
  });

  after(async () => {
    await close();
    await nats.stop();
  });

  const call = (job: FakeJob): Promise<EngineResult> => caller.call({ node: "node-1", city: "a" }, model.id, job, {});

  it("a 20 MiB PNG-sized bytes result arrives byte for byte", async (t) => {
    const sizeBytes = 20 * MiB;
    const started = performance.now();
    const result = await call({ kind: "bytes", sizeBytes, contentType: "image/png" });
    if (result.kind !== "bytes") throw new Error(`expected bytes, got ${result.kind}`);
    assert.equal(result.contentType, "image/png");
    let offset = 0;
    let chunks = 0;
    for await (const chunk of result.chunks) {
      for (let i = 0; i < chunk.byteLength; i += 4099) assert.equal(chunk[i], fakeByte(offset + i));
      offset += chunk.byteLength;
      chunks += 1;
    }
    assert.equal(offset, sizeBytes);
    t.diagnostic(`nats bytes ${sizeBytes} B in ${chunks} chunks, ${Math.round(performance.now() - started)} ms`);
  });

  it("a 3 MiB embeddings-sized json reply arrives whole", async (t) => {
    const started = performance.now();
    const result = await call({ kind: "json", numbers: 400_000 });
    if (result.kind !== "json") throw new Error(`expected json, got ${result.kind}`);
    const { data } = result.value as { data: number[] };
    assert.equal(data.length, 400_000);
    assert.equal(data[123_456], 123_456 / 8);
    const size = JSON.stringify(result.value).length;
    assert.ok(size > 3 * MiB, `the value is ${size} bytes`);
    t.diagnostic(`nats json ${size} B, ${Math.round(performance.now() - started)} ms`);
  });

  it("a 5 MiB job (an img2img picture) reaches the node and comes back, no 413", async (t) => {
    const value = "x".repeat(5 * MiB);
    const started = performance.now();
    const result = await call({ kind: "echo", value });
    assert.equal(result.kind, "json");
    assert.equal(result.kind === "json" && result.value === value, true);
    t.diagnostic(`nats job ${value.length + 30} B there and back, ${Math.round(performance.now() - started)} ms`);
  });

  it("a token stream still flows, and a caller that stops early frees the node", async () => {
    const result = await call({ kind: "tokens", count: 10_000 });
    if (result.kind !== "events") throw new Error("expected events");
    let seen = 0;
    for await (const event of result.events) if (event.type === "token" && ++seen === 40) break;
    assert.equal(seen, 40);
    const before = executed;
    const next = await call({ kind: "tokens", count: 3 });
    if (next.kind !== "events") throw new Error("expected events");
    const types: string[] = [];
    for await (const event of next.events) types.push(event.type);
    assert.deepEqual(types, ["token", "token", "token", "done"]);
    assert.equal(executed, before + 1);
  });

  it("a run request in another codec version gets a refusal naming it, and the node goes on serving", async () => {
    const stranger = await connectBus([nats.urls("a")], "stranger");
    try {
      // What a node from before the binary run request sends: the whole request as JSON.
      const answer = await stranger.request(SUBJECTS.run("node-1"), new TextEncoder().encode(JSON.stringify({ id: "x", model: model.id, job: { kind: "tokens", count: 1 } })), { timeout: 5_000 });
      const [reply] = decodeReplies(answer.data);
      assert.equal(reply?.t, "refuse");
      assert.match(reply?.t === "refuse" ? reply.error.message : "", /codec version 123; this node speaks/);
    } finally {
      await stranger.close();
    }
    const result = await call({ kind: "tokens", count: 2 });
    if (result.kind !== "events") throw new Error("expected events");
    const types: string[] = [];
    for await (const event of result.events) types.push(event.type);
    assert.deepEqual(types, ["token", "token", "done"]);
  });
});
