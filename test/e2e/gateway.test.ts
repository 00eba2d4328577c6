import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { generateText } from "ai";
import OpenAI from "openai";
import { createWorkersAI } from "workers-ai-provider";
import { AiGatewayInternalError, AiGatewayLogNotFound, createOutpost, createRemoteAi, InferenceUpstreamError, type Ai, type Outpost } from "../../src/index.js";
import { bodyText, envelopeError, envelopeResult, post } from "../helpers/http.js";
import { MODEL_MIRROR, REPO_ROOT, startServer, STORIES, type TestServer } from "../helpers/server.js";

/** A catalog model whose file is in no mirror here: it fails with MODEL_NOT_LOCAL, which a gateway falls back from. */
const NOT_LOCAL = "@cf/mistral/mistral-7b-instruct-v0.1";
const story = { prompt: "Once upon a time", max_tokens: 8, seed: 42 };

function gatewaysCli(dataDir: string, args: string[]): string {
  const run = spawnSync(process.execPath, [join(REPO_ROOT, "bin/outpost.js"), "gateways", ...args, "--data-dir", dataDir], { encoding: "utf8", timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

/**
 * env.AI.gateway(id)'s methods, the same on every binding: getLog of a MISS and of a HIT,
 * patchLog's feedback, score and metadata, its errors, and a universal run that falls back.
 */
async function gatewayMethods(ai: Ai, seed: number): Promise<void> {
  const gateway = ai.gateway("cached");
  const inputs = { ...story, seed };
  await ai.run(STORIES, inputs, { gateway: { id: "cached", metadata: { user: "u-2" } } });
  const missId = ai.aiGatewayLogId!;
  await ai.run(STORIES, inputs, { gateway: { id: "cached" } });
  const hit = await gateway.getLog(ai.aiGatewayLogId!);
  const miss = await gateway.getLog(missId);
  assert.deepEqual([miss.id, miss.cached, hit.cached, miss.provider, miss.model, miss.status_code, miss.success], [missId, false, true, "workers-ai", STORIES, 200, true]);
  assert.ok(miss.created_at instanceof Date && miss.created_at.getTime() > Date.now() - 60_000);
  assert.deepEqual(miss.metadata, { user: "u-2" });
  assert.equal(miss.tokens_out, 8);
  assert.deepEqual(JSON.parse(miss.request_head!), inputs);
  assert.equal(miss.request_head_complete, true);
  await gateway.patchLog(missId, { feedback: 1, score: 90, metadata: { reviewed: true } });
  const patched = await gateway.getLog(missId);
  assert.deepEqual([patched.feedback, patched.score, patched.metadata], [1, 90, { reviewed: true }]);
  await gateway.patchLog(missId, { feedback: null });
  assert.equal((await gateway.getLog(missId)).feedback, undefined);
  await assert.rejects(gateway.getLog("01JXXXXXXXXXXXXXXXXXXXXXXX"), (error: Error) => error instanceof AiGatewayLogNotFound && /^Log Not Found: gateway cached has no entry/.test(error.message));
  await assert.rejects(gateway.patchLog("01JXXXXXXXXXXXXXXXXXXXXXXX", { score: 1 }), AiGatewayLogNotFound);
  await assert.rejects(gateway.patchLog(missId, { score: 101 }), (error: Error) => error instanceof AiGatewayInternalError && /'\/score': expected a number from 0 to 100/.test(error.message));
  await assert.rejects(ai.gateway("nope").getLog(missId), (error: Error) => error instanceof AiGatewayInternalError && /Please configure AI Gateway/.test(error.message));
  await assert.rejects(gateway.getUrl(), /Outpost serves AI Gateway's workers-ai provider only, not universal/);
  // Universal: the first step's model is not here, the second serves; the answer is Workers AI REST's.
  const universal = await gateway.run([
    { provider: "workers-ai", endpoint: NOT_LOCAL, headers: {}, query: inputs },
    { provider: "workers-ai", endpoint: STORIES, headers: {}, query: inputs },
  ]);
  assert.equal(universal.status, 200);
  assert.equal(universal.headers.get("cf-aig-step"), "1");
  assert.equal(universal.headers.get("cf-aig-cache-status"), "HIT");
  assert.equal(((await universal.json()) as { result: { response: string } }).result.response, (await ai.run(STORIES, inputs)).response);
  const refused = await gateway.run({ provider: "openai", endpoint: "chat/completions", headers: {}, query: {} });
  assert.equal(refused.status, 400);
  assert.match(await refused.text(), /Outpost serves the workers-ai provider only, not \\"openai\\"/);
}

/** AI Gateway on every surface, against the real server, the real tiny model and real clients. */
describe("AI Gateway", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "outpost-gateway-"));
  let server: TestServer;
  before(async () => {
    gatewaysCli(dataDir, ["create", "cached", "--cache-ttl", "3600"]);
    gatewaysCli(dataDir, ["create", "fb", "--fallback", STORIES, "--redact", "inputs"]);
    gatewaysCli(dataDir, ["create", "limited", "--rate-limit", "1/3600"]);
    server = await startServer({ "data-dir": dataDir });
  });
  after(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const gatewayUrl = (gateway: string, model = STORIES) => `${server.url}/v1/acme/${gateway}/workers-ai/run/${model}`;
  /** A page of a gateway's log: the envelope with Cloudflare's result_info. */
  const logs = async (gateway: string, query = "") => {
    const response = await fetch(`${server.url}/api/gateways/${gateway}/logs${query}`);
    const body = JSON.parse(await bodyText(response));
    assert.equal(response.status, 200, JSON.stringify(body));
    return { entries: body.result as any[], info: body.result_info as { total_count: number } };
  };

  test("REST through a gateway URL: MISS then HIT with the same bytes, a log id, and the model that served", async () => {
    const first = await post(gatewayUrl("cached"), story);
    const firstBody = await bodyText(first);
    assert.equal(first.status, 200, firstBody);
    assert.equal(first.headers.get("cf-aig-cache-status"), "MISS");
    assert.match(first.headers.get("cf-aig-log-id") ?? "", /^[0-9A-HJKMNP-TV-Z]{26}$/);
    const second = await post(gatewayUrl("cached"), story);
    assert.equal(second.headers.get("cf-aig-cache-status"), "HIT");
    assert.equal(await bodyText(second), firstBody);
    assert.equal(second.headers.get("x-outpost-model"), STORIES);
    assert.notEqual(second.headers.get("cf-aig-log-id"), first.headers.get("cf-aig-log-id"));
    // AI Gateway's documented URL has no `run/`: the same entry.
    const documented = await post(`${server.url}/v1/acme/cached/workers-ai/${STORIES}`, story);
    assert.equal(documented.headers.get("cf-aig-cache-status"), "HIT");
    assert.equal(await bodyText(documented), firstBody);
    // The plain Workers AI path has no gateway: no cache status.
    const plain = await post(`${server.url}/ai/run/${STORIES}`, story);
    assert.equal(plain.headers.get("cf-aig-cache-status"), null);
    await plain.arrayBuffer();
  });

  test("a cached stream replays the same SSE bytes", async () => {
    const inputs = { ...story, stream: true, seed: 43 };
    const first = await post(gatewayUrl("cached"), inputs);
    const bytes = await bodyText(first);
    assert.equal(first.headers.get("cf-aig-cache-status"), "MISS");
    assert.match(bytes, /data: \[DONE\]\n\n$/);
    const second = await post(gatewayUrl("cached"), inputs);
    assert.equal(second.headers.get("cf-aig-cache-status"), "HIT");
    assert.equal(second.headers.get("content-type"), "text/event-stream");
    assert.equal(await bodyText(second), bytes);
  });

  test("a seeded picture is cached: the HIT replays the same PNG bytes and content type, on REST and the binding", async () => {
    const SD = "@outpost/sd-tiny-standin";
    const inputs = { prompt: "a lighthouse", width: 256, height: 256, num_steps: 2, seed: 3 };
    const first = await post(gatewayUrl("cached", SD), inputs);
    assert.equal(first.status, 200, first.status === 200 ? "" : await first.text());
    assert.deepEqual([first.headers.get("cf-aig-cache-status"), first.headers.get("content-type")], ["MISS", "image/png"]);
    const png = Buffer.from(await first.arrayBuffer());
    assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    const second = await post(gatewayUrl("cached", SD), inputs);
    assert.deepEqual([second.headers.get("cf-aig-cache-status"), second.headers.get("content-type")], ["HIT", "image/png"]);
    assert.ok(Buffer.from(await second.arrayBuffer()).equals(png));
    // The remote binding (account "local", as this URL's "acme" is not) stores its own, then hits it.
    const ai = createRemoteAi(server.url);
    const viaBinding = async () => Buffer.from(await new Response((await ai.run(SD, inputs, { gateway: { id: "cached" } })) as ReadableStream).arrayBuffer());
    assert.ok((await viaBinding()).equals(png));
    const hit = (await ai.run(SD, inputs, { gateway: { id: "cached" }, returnRawResponse: true })) as Response;
    assert.deepEqual([hit.headers.get("cf-aig-cache-status"), hit.headers.get("content-type")], ["HIT", "image/png"]);
    assert.ok(Buffer.from(await hit.arrayBuffer()).equals(png));
  });

  test("cf-aig-skip-cache, sampled requests and a request's own TTL", async () => {
    const skipped = await post(gatewayUrl("cached"), story, { "cf-aig-skip-cache": "true" });
    assert.equal(skipped.headers.get("cf-aig-cache-status"), "MISS");
    await skipped.arrayBuffer();
    for (let i = 0; i < 2; i++) {
      const sampled = await post(gatewayUrl("cached"), { prompt: "Once upon a time", max_tokens: 4 });
      assert.equal(sampled.headers.get("cf-aig-cache-status"), "MISS");
      await sampled.arrayBuffer();
    }
    // The default gateway caches nothing by itself, but a request's TTL turns caching on for it.
    const ask = () => post(gatewayUrl("default"), { ...story, seed: 44 }, { "cf-aig-cache-ttl": "60" });
    await (await ask()).arrayBuffer();
    assert.equal((await ask()).headers.get("cf-aig-cache-status"), "HIT");
  });

  test("malformed cf-aig-* headers are 400s that run nothing, and the next request is served", async () => {
    for (const [name, value] of [["cf-aig-cache-ttl", "0"], ["cf-aig-cache-ttl", "-1"], ["cf-aig-cache-ttl", "999999999999"], ["cf-aig-skip-cache", "maybe"], ["cf-aig-metadata", "{not json"], ["cf-aig-metadata", '{"a":{"b":1}}']]) {
      await envelopeError(await post(gatewayUrl("cached"), story, { [name!]: value! }), 400, 1001, new RegExp(`header '${name}'`));
    }
    assert.equal((await post(gatewayUrl("cached"), story)).status, 200);
  });

  test("an unknown gateway: Workers AI's 2001 on REST and on the binding", async () => {
    await envelopeError(await post(gatewayUrl("nope"), story), 400, 2001, /^Please configure AI Gateway in the Cloudflare dashboard/);
    const ai = createRemoteAi(server.url);
    await assert.rejects(ai.run(STORIES, story, { gateway: { id: "nope" } }), (error: InferenceUpstreamError) => {
      assert.equal(error.name, "AiGatewayError");
      assert.match(error.message, /^2001: Please configure AI Gateway in the Cloudflare dashboard/);
      return true;
    });
    assert.deepEqual(Object.keys(await ai.run(STORIES, story)), ["response", "usage"]);
  });

  test("the binding's gateway option: cached, with the log id on aiGatewayLogId and the metadata in the log", async () => {
    const ai = createRemoteAi(server.url);
    const inputs = { ...story, seed: 45 };
    const first = await ai.run(STORIES, inputs, { gateway: { id: "cached", metadata: { user: "u-1", n: 7 } } });
    const logId = ai.aiGatewayLogId;
    assert.ok(logId);
    assert.deepEqual(await ai.run(STORIES, inputs, { gateway: { id: "cached" } }), first);
    const { entries } = await logs("cached", "?cached=false&per_page=50");
    const entry = entries.find((e) => e.id === logId);
    assert.deepEqual(entry?.metadata, { user: "u-1", n: 7 });
    assert.equal(entry?.cacheStatus, "MISS");
    assert.deepEqual(entry?.inputs, inputs);
    const hits = (await logs("cached", "?cached=true&per_page=50")).entries;
    assert.ok(hits.some((e) => e.id === ai.aiGatewayLogId && e.neurons === 0));
  });

  test("env.AI.gateway(id) on the remote binding: getLog, patchLog, universal run; getUrl gives this server's gateway URL", async () => {
    const ai = createRemoteAi(server.url);
    await gatewayMethods(ai, 61);
    const url = await ai.gateway("cached").getUrl("workers-ai");
    assert.equal(url, `${server.url}/v1/local/cached/workers-ai`);
    assert.equal((await post(`${url}/run/${STORIES}`, { ...story, seed: 61 })).headers.get("cf-aig-cache-status"), "HIT");
  });

  test("workers-ai-provider passes `gateway` through Outpost's binding and through its REST path", async () => {
    const viaBinding = createWorkersAI({ binding: createRemoteAi(server.url) as never, gateway: { id: "cached", metadata: { via: "binding" } } });
    // workers-ai-provider sends a seed as `random_seed`, which Workers AI's text models do not read: temperature 0 is what makes the answer repeat.
    const ask = (model: ReturnType<typeof viaBinding>) => generateText({ model, prompt: "Once upon a time", temperature: 0, maxOutputTokens: 8, maxRetries: 0 });
    const first = await ask(viaBinding(STORIES as never));
    assert.equal((await ask(viaBinding(STORIES as never))).text, first.text);
    // REST mode builds AI Gateway's URL (gateway.ai.cloudflare.com/v1/{account}/{gateway}/workers-ai/run/{model}) with cf-aig-* headers; only the host changes.
    const rewrite = (input: string | URL | Request, init?: RequestInit) => fetch(String(input).replace("https://gateway.ai.cloudflare.com", server.url), init);
    // Account "local", the remote binding's: the same account, model and inputs are the same entry, whichever surface stored it.
    const viaRest = createWorkersAI({ accountId: "local", apiKey: "unused", fetch: rewrite as typeof fetch, gateway: { id: "cached", cacheTtl: 600, metadata: { via: "rest" } } });
    assert.equal((await ask(viaRest(STORIES as never))).text, first.text);
    const entries = (await logs("cached", "?per_page=50")).entries.filter((e) => e.metadata.via !== undefined);
    assert.deepEqual(entries.map((e) => `${e.metadata.via}:${e.cacheStatus}`).reverse(), ["binding:MISS", "binding:HIT", "rest:HIT"]);
  });

  test("the OpenAI SDK through AI Gateway's OpenAI-compatible Workers AI path", async () => {
    const openai = new OpenAI({ baseURL: `${server.url}/v1/acme/cached/workers-ai/v1`, apiKey: "unused", maxRetries: 0 });
    const ask = () => openai.chat.completions.create({ model: STORIES, messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 8, seed: 47 }).withResponse();
    const first = await ask();
    const second = await ask();
    assert.equal(first.response.headers.get("cf-aig-cache-status"), "MISS");
    assert.equal(second.response.headers.get("cf-aig-cache-status"), "HIT");
    assert.equal(second.data.choices[0]?.message.content, first.data.choices[0]?.message.content);
  });

  test("a fallback serves when the model asked for cannot; the response and the log say which", async () => {
    const response = await post(gatewayUrl("fb", NOT_LOCAL), story);
    const result = await envelopeResult<{ response: string }>(response);
    assert.equal(typeof result.response, "string");
    assert.equal(response.headers.get("x-outpost-model"), STORIES);
    const [entry] = (await logs("fb")).entries;
    assert.equal(entry.model, NOT_LOCAL);
    assert.equal(entry.servedModel, STORIES);
    assert.deepEqual(entry.attempts.map((a: { model: string; code: string }) => `${a.model}:${a.code}`), [`${NOT_LOCAL}:MODEL_NOT_LOCAL`]);
    // This gateway redacts inputs.
    assert.equal(entry.inputs, undefined);
    assert.equal(typeof entry.output, "object");
  });

  test("a gateway's rate limit is 429 with Retry-After; other gateways still serve", async () => {
    assert.equal((await post(gatewayUrl("limited"), story)).status, 200);
    const refused = await post(gatewayUrl("limited"), story);
    assert.ok(Number(refused.headers.get("retry-after")) > 0);
    await envelopeError(refused, 429, 3040, /gateway limited allows 1 requests per 3600 s/);
    assert.equal((await post(gatewayUrl("cached"), story)).status, 200);
  });

  test("GET /api/gateways lists them; logs page with result_info and refuse bad filters", async () => {
    const list = await envelopeResult<{ id: string; source: string }[]>(await fetch(`${server.url}/api/gateways`));
    assert.deepEqual(list.map((g) => `${g.id}:${g.source}`), ["cached:database", "default:built-in", "fb:database", "limited:database"]);
    const { entries, info } = await logs("cached", "?per_page=2&page=1");
    assert.equal(entries.length, 2);
    assert.ok(info.total_count > 2);
    assert.ok(entries[0].at >= entries[1].at);
    const next = await logs("cached", "?per_page=2&page=2");
    assert.notEqual(next.entries[0].id, entries[0].id);
    await envelopeError(await fetch(`${server.url}/api/gateways/cached/logs?cached=maybe`), 400, 1001, /cached/);
    await envelopeError(await fetch(`${server.url}/api/gateways/nope/logs`), 400, 2001);
  });

  describe("the in-process binding (createOutpost().ai), on the server's database", () => {
    let outpost: Outpost;
    before(() => {
      outpost = createOutpost({ dataDir, modelMirror: MODEL_MIRROR });
    });
    after(() => outpost.close());

    test("the gateway option as on REST: MISS then HIT with the same answer, a log id, the served model; no option, no gateway", async () => {
      const inputs = { ...story, seed: 51 };
      const first = (await outpost.ai.run(STORIES, inputs, { gateway: { id: "cached" }, returnRawResponse: true })) as Response;
      const firstBody = await first.text();
      assert.equal(first.status, 200, firstBody);
      assert.equal(first.headers.get("cf-aig-cache-status"), "MISS");
      assert.match(first.headers.get("cf-aig-log-id") ?? "", /^[0-9A-HJKMNP-TV-Z]{26}$/);
      assert.equal(outpost.ai.aiGatewayLogId, first.headers.get("cf-aig-log-id"));
      const second = (await outpost.ai.run(STORIES, inputs, { gateway: { id: "cached" }, returnRawResponse: true })) as Response;
      assert.equal(second.headers.get("cf-aig-cache-status"), "HIT");
      assert.equal(second.headers.get("x-outpost-model"), STORIES);
      assert.equal(await second.text(), firstBody);
      assert.notEqual(outpost.ai.aiGatewayLogId, first.headers.get("cf-aig-log-id"));
      const plain = (await outpost.ai.run(STORIES, inputs, { returnRawResponse: true })) as Response;
      assert.equal(plain.headers.get("cf-aig-cache-status"), null);
      assert.equal(outpost.ai.aiGatewayLogId, null);
      await plain.arrayBuffer();
    });

    test("a cached stream replays the same SSE bytes", async () => {
      const inputs = { ...story, seed: 52, stream: true };
      const text = async () => new Response((await outpost.ai.run(STORIES, inputs, { gateway: { id: "cached" } })) as ReadableStream).text();
      const bytes = await text();
      assert.match(bytes, /data: \[DONE\]\n\n$/);
      assert.equal(await text(), bytes);
      const raw = (await outpost.ai.run(STORIES, inputs, { gateway: { id: "cached" }, returnRawResponse: true })) as Response;
      assert.equal(raw.headers.get("cf-aig-cache-status"), "HIT");
      assert.equal(await raw.text(), bytes);
    });

    test("env.AI.gateway(id): getLog, patchLog and universal run as on the remote binding; getUrl says there is no URL", async () => {
      await gatewayMethods(outpost.ai, 62);
      await assert.rejects(outpost.ai.gateway("cached").getUrl("workers-ai"), /The in-process binding has no URL: serve Outpost/);
    });

    test("workers-ai-provider passes `gateway` through it: the second answer is the cache's", async () => {
      const provider = createWorkersAI({ binding: outpost.ai as never, gateway: { id: "cached", metadata: { via: "in-process" } } });
      const ask = () => generateText({ model: provider(STORIES as never), prompt: "Once upon a time there", temperature: 0, maxOutputTokens: 8, maxRetries: 0 });
      const first = await ask();
      const miss = await outpost.ai.gateway("cached").getLog(outpost.ai.aiGatewayLogId!);
      assert.equal((await ask()).text, first.text);
      const hit = await outpost.ai.gateway("cached").getLog(outpost.ai.aiGatewayLogId!);
      assert.deepEqual([miss.cached, hit.cached, hit.metadata], [false, true, { via: "in-process" }]);
    });

    test("a fallback serves and is named; unknown gateways and malformed options are Workers AI's errors", async () => {
      const served = (await outpost.ai.run(NOT_LOCAL, story, { gateway: { id: "fb" }, returnRawResponse: true })) as Response;
      assert.equal(served.status, 200);
      assert.equal(served.headers.get("x-outpost-model"), STORIES);
      assert.equal(typeof ((await served.json()) as { response: unknown }).response, "string");
      await assert.rejects(outpost.ai.run(STORIES, story, { gateway: { id: "nope" } }), (error: InferenceUpstreamError) => {
        assert.equal(error.name, "AiGatewayError");
        assert.match(error.message, /^2001: Please configure AI Gateway in the Cloudflare dashboard/);
        return true;
      });
      await assert.rejects(outpost.ai.run(STORIES, story, { gateway: { id: "cached", cacheTtl: 0 } }), (error: InferenceUpstreamError) => {
        assert.equal(error.httpCode, 400);
        assert.match(error.message, /^1001: Invalid input at '\/options\/gateway\/cacheTtl'/);
        return true;
      });
    });
  });
});
