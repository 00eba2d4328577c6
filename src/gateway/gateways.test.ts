import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { openDatabase } from "../accounts/index.js";
import { OutpostError, type RunEvent, type RunOptions, type RunResult } from "../contract/index.js";
import { ResponseCache } from "./cache.js";
import { CacheStore } from "./cache-store.js";
import { Gateways } from "./gateways.js";
import { GatewayLogs } from "./logs.js";
import { GatewayRegistry, saveGateway } from "./registry.js";
import { parseGatewaySettings } from "./settings.js";

const dir = mkdtempSync(join(tmpdir(), "outpost-gateway-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const TASKS: Record<string, string> = { big: "text-generation", small: "text-generation", tiny: "text-generation", embed: "text-embeddings", draw: "text-to-image" };
const describeModel = (model: string) => {
  const task = TASKS[model];
  if (!task) throw new OutpostError("MODEL_NOT_FOUND", `No such model ${model} or task`);
  return { id: model, task };
};

/** A run() whose models answer, fail or hang as `behaviour` says, counting calls. */
function fakeRun(behaviour: Record<string, (n: number) => RunResult | OutpostError | "hang">) {
  const calls: string[] = [];
  const run = async (model: string, inputs: unknown, options: RunOptions = {}): Promise<RunResult> => {
    calls.push(model);
    const outcome = behaviour[model]!(calls.filter((m) => m === model).length);
    if (outcome === "hang") {
      return new Promise((_, reject) => options.signal?.addEventListener("abort", () => reject(new OutpostError("ABORTED", "aborted"))));
    }
    if (outcome instanceof OutpostError) throw outcome;
    return outcome;
  };
  return { run, calls };
}

const stream = (...texts: string[]): RunResult => ({
  kind: "events",
  events: (async function* () {
    for (const text of texts) yield { type: "token", text } as RunEvent;
    yield { type: "done", usage: { prompt_tokens: 2, completion_tokens: texts.length, total_tokens: 2 + texts.length }, finishReason: "stop" } as RunEvent;
  })(),
});

async function drain(result: RunResult): Promise<RunEvent[]> {
  assert.equal(result.kind, "events");
  const events: RunEvent[] = [];
  for await (const event of (result as { events: AsyncIterable<RunEvent> }).events) events.push(event);
  return events;
}

function setup(settings: Record<string, unknown> = {}, maxBytes = 1_000_000) {
  const db = openDatabase(mkdtempSync(join(dir, "db-")));
  saveGateway(db, parseGatewaySettings("gw", settings), false);
  let now = 1_000_000;
  const sleeps: number[] = [];
  const logs = new GatewayLogs({ db }, () => {});
  const cache = new ResponseCache({ maxBytes, now: () => now });
  const gateways = new Gateways({ registry: new GatewayRegistry({ db }), cache, logs, describe: describeModel, now: () => now, sleep: async (ms) => void sleeps.push(ms) });
  return { gateways, logs, cache, sleeps, advance: (ms: number) => (now += ms), close: () => (logs.close(), db.close()) };
}

const seeded = { prompt: "Once", seed: 7 };

describe("gateways", () => {
  test("an unknown gateway fails with Workers AI's 2001 and runs nothing", async () => {
    const { gateways, close } = setup();
    const { run, calls } = fakeRun({ big: () => ({ kind: "json", value: { response: "x" } }) });
    await assert.rejects(gateways.wrap(run)("big", seeded, { gateway: { id: "nope" } }), (error: OutpostError) => {
      assert.equal(error.code, "GATEWAY_NOT_FOUND");
      assert.equal(error.internalCode, 2001);
      assert.match(error.message, /^Please configure AI Gateway in the Cloudflare dashboard/);
      return true;
    });
    assert.deepEqual(calls, []);
    // `default` always exists, as Cloudflare creates it on first use.
    assert.equal((await gateways.wrap(run)("big", seeded, { gateway: { id: "default" } })).kind, "json");
    close();
  });

  test("a deterministic JSON answer is cached per account: MISS, then HIT without running", async () => {
    const { gateways, close } = setup({ cacheTtlS: 60 });
    const { run, calls } = fakeRun({ big: (n) => ({ kind: "json", value: { response: `answer ${n}` } }) });
    const outcomes: string[] = [];
    const ask = (inputs: unknown, account = "acme") => gateways.wrap(run)("big", inputs, { account, gateway: { id: "gw" }, onGateway: (o) => outcomes.push(o.cacheStatus) });
    assert.deepEqual(await ask(seeded), { kind: "json", value: { response: "answer 1" } });
    // Key order is not part of the key.
    assert.deepEqual(await ask({ seed: 7, prompt: "Once" }), { kind: "json", value: { response: "answer 1" } });
    assert.deepEqual(await ask(seeded, "globex"), { kind: "json", value: { response: "answer 2" } });
    assert.deepEqual(outcomes, ["MISS", "HIT", "MISS"]);
    assert.deepEqual(calls, ["big", "big"]);
    close();
  });

  test("sampled requests are not cached unless the gateway says so; skipCache neither reads nor writes", async () => {
    const { gateways, close } = setup({ cacheTtlS: 60 });
    const { run, calls } = fakeRun({ big: (n) => ({ kind: "json", value: { n } }) });
    const wrapped = gateways.wrap(run);
    await wrapped("big", { prompt: "Once" }, { gateway: { id: "gw" } });
    await wrapped("big", { prompt: "Once" }, { gateway: { id: "gw" } });
    await wrapped("big", seeded, { gateway: { id: "gw", skipCache: true } });
    await wrapped("big", seeded, { gateway: { id: "gw" } });
    assert.equal(calls.length, 4);
    // temperature 0 is greedy, so it repeats.
    await wrapped("big", { prompt: "Once", temperature: 0 }, { gateway: { id: "gw" } });
    await wrapped("big", { prompt: "Once", temperature: 0 }, { gateway: { id: "gw" } });
    assert.equal(calls.length, 5);
    close();
    const all = setup({ cacheTtlS: 60, cacheNondeterministic: true });
    const second = fakeRun({ big: (n) => ({ kind: "json", value: { n } }) });
    await all.gateways.wrap(second.run)("big", { prompt: "Once" }, { gateway: { id: "gw" } });
    await all.gateways.wrap(second.run)("big", { prompt: "Once" }, { gateway: { id: "gw" } });
    assert.equal(second.calls.length, 1);
    all.close();
  });

  test("an entry expires after its TTL; a request's own TTL caches on a gateway that does not", async () => {
    const { gateways, advance, close } = setup();
    const { run, calls } = fakeRun({ big: (n) => ({ kind: "json", value: { n } }) });
    const ask = () => gateways.wrap(run)("big", seeded, { gateway: { id: "gw", cacheTtlS: 60 } });
    await ask();
    advance(59_999);
    await ask();
    assert.equal(calls.length, 1);
    advance(1);
    assert.deepEqual(await ask(), { kind: "json", value: { n: 2 } });
    close();
  });

  test("a cached stream replays the same events; a stream that failed is not cached", async () => {
    const { gateways, close } = setup({ cacheTtlS: 3600 });
    const { run, calls } = fakeRun({ big: () => stream("Once", " upon"), small: () => ({ kind: "events", events: (async function* () {
      yield { type: "token", text: "x" } as RunEvent;
      yield { type: "error", error: { code: "RUNNER_CRASHED", message: "crashed" } } as RunEvent;
    })() }) });
    const first = await drain(await gateways.wrap(run)("big", { ...seeded, stream: true }, { gateway: { id: "gw" } }));
    const again = await drain(await gateways.wrap(run)("big", { ...seeded, stream: true }, { gateway: { id: "gw" } }));
    assert.deepEqual(again, first);
    assert.equal(calls.length, 1);
    await drain(await gateways.wrap(run)("small", { ...seeded, stream: true }, { gateway: { id: "gw" } }));
    await drain(await gateways.wrap(run)("small", { ...seeded, stream: true }, { gateway: { id: "gw" } }));
    assert.deepEqual(calls, ["big", "small", "small"]);
    close();
  });

  test("bytes are cached once read whole: a HIT replays them with their content type; cut short or past the byte bound, they are not", async () => {
    const picture = (size: number) => (n: number): RunResult => ({ kind: "bytes", contentType: "image/png", body: new Response(new Uint8Array(size).fill(n)).body! });
    const bytesOf = async (result: RunResult) => {
      assert.equal(result.kind, "bytes");
      const { body, contentType } = result as Extract<RunResult, { kind: "bytes" }>;
      return [contentType, [...new Uint8Array(await new Response(body).arrayBuffer())]];
    };
    const { gateways, cache, close } = setup({ cacheTtlS: 60 }, 2_000);
    const { run, calls } = fakeRun({ draw: picture(600) });
    const outcomes: string[] = [];
    const ask = (inputs: unknown) => gateways.wrap(run)("draw", inputs, { gateway: { id: "gw" }, onGateway: (o) => outcomes.push(o.cacheStatus) });
    // A reader that stops after the first chunk: nothing is stored.
    const cut = (await ask(seeded)) as Extract<RunResult, { kind: "bytes" }>;
    await cut.body.getReader().cancel();
    const first = await bytesOf(await ask(seeded));
    assert.deepEqual(first, ["image/png", Array(600).fill(2)]);
    assert.deepEqual(await bytesOf(await ask(seeded)), first);
    assert.deepEqual(outcomes, ["MISS", "MISS", "HIT"]);
    assert.equal(calls.length, 2);
    // An unseeded picture is sampled: never cached.
    await bytesOf(await ask({ prompt: "Once" }));
    await bytesOf(await ask({ prompt: "Once" }));
    assert.equal(calls.length, 4);
    assert.ok(cache.sizeBytes > 800);
    close();
    // 1,600 bytes are 2,136 in base64: past this cache's 2,000-byte bound, served but not kept.
    const small = setup({ cacheTtlS: 60 }, 2_000);
    const big = fakeRun({ draw: picture(1_600) });
    for (let i = 0; i < 2; i++) await bytesOf(await small.gateways.wrap(big.run)("draw", seeded, { gateway: { id: "gw" } }));
    assert.equal(big.calls.length, 2);
    assert.equal(small.cache.size, 0);
    small.close();
  });

  test("a stream its client leaves is logged as 499 with its prompt's tokens, from the first token", async () => {
    const { gateways, logs, close } = setup();
    const { run } = fakeRun({
      big: () => ({ kind: "events", events: (async function* () {
        yield { type: "token", text: "Once", promptTokens: 6 } as RunEvent;
        yield { type: "token", text: " upon" } as RunEvent;
        yield { type: "done", usage: { prompt_tokens: 6, completion_tokens: 2, total_tokens: 8 }, finishReason: "stop" } as RunEvent;
      })() }),
    });
    const result = (await gateways.wrap(run)("big", seeded, { gateway: { id: "gw" } })) as Extract<RunResult, { kind: "events" }>;
    const iterator = result.events[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.return?.();
    const [entry] = logs.query({ gateway: "gw", direction: "desc", page: 1, perPage: 10 }).entries;
    assert.deepEqual([entry?.status, entry?.inputTokens, entry?.output], [499, 6, "Once"]);
    close();
  });

  test("retries with backoff, then falls back in order; the outcome names the model that served", async () => {
    const { gateways, sleeps, logs, close } = setup({ fallbacks: ["small", "tiny"], retries: { maxAttempts: 3, retryDelayMs: 100, backoff: "exponential" } });
    const { run, calls } = fakeRun({
      big: () => new OutpostError("RUNNER_CRASHED", "crashed"),
      small: () => new OutpostError("QUEUE_FULL", "busy"),
      tiny: () => ({ kind: "json", value: { response: "tiny" } }),
    });
    let served = "";
    const result = await gateways.wrap(run)("big", seeded, { gateway: { id: "gw" }, onGateway: (o) => (served = o.model) });
    assert.deepEqual(result, { kind: "json", value: { response: "tiny" } });
    assert.equal(served, "tiny");
    assert.deepEqual(calls, ["big", "big", "big", "small", "small", "small", "tiny"]);
    assert.deepEqual(sleeps, [100, 200, 100, 200]);
    const [entry] = logs.query({ gateway: "gw", direction: "desc", page: 1, perPage: 10 }).entries;
    assert.equal(entry?.servedModel, "tiny");
    assert.deepEqual(entry?.attempts.map((a) => `${a.model}:${a.code}`), ["big:RUNNER_CRASHED", "big:RUNNER_CRASHED", "big:RUNNER_CRASHED", "small:QUEUE_FULL", "small:QUEUE_FULL", "small:QUEUE_FULL"]);
    close();
  });

  test("an input error is not retried nor fallen back; every model failing ends with the last error", async () => {
    const { gateways, close } = setup({ fallbacks: ["small"] });
    const bad = fakeRun({ big: () => new OutpostError("INPUT_INVALID", "bad"), small: () => ({ kind: "json", value: {} }) });
    await assert.rejects(gateways.wrap(bad.run)("big", seeded, { gateway: { id: "gw" } }), { code: "INPUT_INVALID" });
    assert.deepEqual(bad.calls, ["big"]);
    const down = fakeRun({ big: () => new OutpostError("RUNNER_CRASHED", "crashed"), small: () => new OutpostError("MODEL_LOADING", "loading") });
    await assert.rejects(gateways.wrap(down.run)("big", seeded, { gateway: { id: "gw" } }), { code: "MODEL_LOADING" });
    close();
  });

  test("a fallback for another task is skipped, and a model is never tried twice", async () => {
    const { gateways, close } = setup({ fallbacks: ["embed", "big", "small"] });
    const { run, calls } = fakeRun({ big: () => new OutpostError("INTERNAL", "x"), small: () => ({ kind: "json", value: { ok: true } }), embed: () => ({ kind: "json", value: {} }) });
    await gateways.wrap(run)("big", seeded, { gateway: { id: "gw" } });
    assert.deepEqual(calls, ["big", "small"]);
    close();
  });

  test("a model with no answer within the request timeout is stopped and the next one serves", async () => {
    const { gateways, close } = setup({ fallbacks: ["small"] });
    const { run, calls } = fakeRun({ big: () => "hang", small: () => ({ kind: "json", value: { response: "small" } }) });
    const result = await gateways.wrap(run)("big", seeded, { gateway: { id: "gw", requestTimeoutMs: 20 } });
    assert.deepEqual(result, { kind: "json", value: { response: "small" } });
    assert.deepEqual(calls, ["big", "small"]);
    close();
  });

  test("a fallback list naming a model twice is refused as a loop", () => {
    assert.throws(() => parseGatewaySettings("gw", { fallbacks: ["a", "b", "a"] }), /listed twice, which would loop/);
    assert.throws(() => parseGatewaySettings("gw", { cacheTtlS: 10 }), /cacheTtlS/);
    assert.throws(() => parseGatewaySettings("gw", { cacheTtlS: -1 }), /cacheTtlS/);
    assert.throws(() => parseGatewaySettings("gw", { cacheTtlS: 10 ** 12 }), /cacheTtlS/);
    assert.throws(() => parseGatewaySettings("bad id!", {}), /Invalid gateway id/);
  });

  test("the gateway's rate limit answers 429 with Retry-After, and the next window serves", async () => {
    const { gateways, advance, close } = setup({ rateLimit: { limit: 2, periodS: 10 } });
    const { run } = fakeRun({ big: () => ({ kind: "json", value: {} }) });
    const ask = () => gateways.wrap(run)("big", seeded, { gateway: { id: "gw" } });
    await ask();
    await ask();
    await assert.rejects(ask(), (error: OutpostError) => error.code === "RATE_LIMITED" && error.retryAfterS === 10);
    advance(10_000);
    await ask();
    close();
  });

  test("logs keep metadata and event id, redact as set, and page newest first", async () => {
    const { gateways, logs, close } = setup({ redact: "inputs", cacheTtlS: 60 });
    const { run } = fakeRun({ big: () => ({ kind: "json", value: { response: "hi", usage: { prompt_tokens: 3, completion_tokens: 1 } } }) });
    for (let i = 0; i < 3; i++) await gateways.wrap(run)("big", seeded, { account: "acme", gateway: { id: "gw", metadata: { user: i }, eventId: `e${i}` } });
    const page = logs.query({ gateway: "gw", direction: "desc", page: 1, perPage: 2 });
    assert.equal(page.total, 3);
    assert.deepEqual(page.entries.map((e) => [e.eventId, e.cacheStatus, e.metadata.user]), [["e2", "HIT", 2], ["e1", "HIT", 1]]);
    assert.equal(page.entries[0]!.inputs, undefined);
    assert.deepEqual(page.entries[0]!.output, { response: "hi", usage: { prompt_tokens: 3, completion_tokens: 1 } });
    assert.equal(logs.query({ gateway: "gw", cached: false, direction: "asc", page: 1, perPage: 10 }).entries[0]!.eventId, "e0");
    assert.equal(logs.query({ gateway: "gw", eventId: "e1", direction: "asc", page: 1, perPage: 10 }).total, 1);
    close();
  });

  test("the cache holds at most its bytes, least recently used out first", () => {
    const cache = new ResponseCache({ maxBytes: 250 });
    const answer = { kind: "json" as const, text: JSON.stringify("x".repeat(40)) };
    for (const key of ["a", "b", "c"]) cache.put(key, "gw", answer, 60);
    cache.get("a");
    cache.put("d", "gw", answer, 60);
    assert.ok(cache.sizeBytes <= 250);
    assert.ok(cache.get("a"));
    assert.equal(cache.get("b"), undefined);
    assert.ok(cache.get("d"));
  });

  test("the cache outlives a restart through the database; an entry expired meanwhile is dropped", () => {
    const db = openDatabase(mkdtempSync(join(dir, "db-")));
    let now = 1_000;
    const before = new ResponseCache({ maxBytes: 10_000, now: () => now });
    const store = new CacheStore({ db }, () => {});
    before.attach(store);
    before.put("long", "gw", { kind: "json", text: '"kept"' }, 3600);
    before.put("short", "gw", { kind: "json", text: '"gone"' }, 60);
    store.flush();
    now += 61_000;
    const after = new ResponseCache({ maxBytes: 10_000, now: () => now });
    new CacheStore({ db }, () => {}).load(after, now);
    assert.deepEqual(after.get("long"), { kind: "json", text: '"kept"' });
    assert.equal(after.get("short"), undefined);
    assert.equal(after.size, 1);
    db.close();
  });
});
