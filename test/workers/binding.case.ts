import assert from "node:assert/strict";
import { test } from "node:test";
import sharp from "sharp";
import { speech } from "../helpers/audio.js";
import { postJson, STORIES, type TestServer } from "../helpers/server.js";

/** The fixture Worker's inputs (fixture/index.js); seeded, so Outpost's REST API gives the same answer. */
const INPUTS = { prompt: "Once upon a time", max_tokens: 8, seed: 7 };
export const NO_SUCH_MODEL = "5007: No such model @cf/outpost/no-such-model or task";

export interface BindingCase {
  outpost: () => TestServer;
  /** The fixture Worker (fixture/index.js) served by wrangler dev or miniflare. */
  worker: () => { url: string };
  /** What the fixture's catch block reports for an unknown model: class, name and message. */
  error: { caught: string; name: string; message: string };
}

/** One suite for every way env.AI reaches Outpost from a local Worker (the hono common.case pattern). */
export function runBindingSuite(c: BindingCase): void {
  test("env.AI.run returns the task output as a parsed object, as the REST API computes it", async () => {
    const res = await fetch(`${c.worker().url}/json`);
    assert.equal(res.status, 200, await res.clone().text());
    const rest = (await (await postJson(`${c.outpost().url}/ai/run/${STORIES}`, INPUTS)).json()) as { result: unknown };
    assert.deepEqual(await res.json(), rest.result);
  });

  test("stream: true gives the SSE byte stream, the same bytes as the REST API", async () => {
    const res = await fetch(`${c.worker().url}/stream`);
    assert.equal(res.status, 200);
    const body = await res.text();
    const rest = await (await postJson(`${c.outpost().url}/ai/run/${STORIES}`, { ...INPUTS, stream: true })).text();
    assert.equal(body, rest);
    assert.match(body, /^data: \{"response":/);
    assert.ok(body.endsWith("data: [DONE]\n\n"), body);
  });

  test("returnRawResponse hands over the upstream Response untouched", async () => {
    const res = await fetch(`${c.worker().url}/raw`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-upstream-content-type"), "application/json");
    const rest = (await (await postJson(`${c.outpost().url}/ai/run/${STORIES}`, INPUTS)).json()) as { result: unknown };
    assert.deepEqual(await res.json(), rest.result);
  });

  test("env.AI.fetch, the legacy @cloudflare/ai 1.1 path, reaches the same route", async () => {
    const res = await fetch(`${c.worker().url}/fetch`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-upstream-content-type"), "application/json");
    const rest = (await (await postJson(`${c.outpost().url}/ai/run/${STORIES}`, INPUTS)).json()) as { result: unknown };
    assert.deepEqual(await res.json(), rest.result);
  });

  test("the gateway option and env.AI.gateway(id): a MISS then a HIT, getLog, patchLog and getUrl", async () => {
    const seed = 1 + Math.floor(Math.random() * 1e9);
    const res = await fetch(`${c.worker().url}/gateway?seed=${seed}`);
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { statuses: string[]; same: boolean; log: Record<string, unknown>; url: string };
    assert.deepEqual(body.statuses, ["MISS", "HIT"]);
    assert.equal(body.same, true);
    assert.deepEqual({ ...body.log, id: undefined }, { id: undefined, cached: true, feedback: 1, metadata: { via: "worker" }, createdAt: true });
    assert.match(String(body.log.id), /^[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.match(body.url, /^http:\/\/127\.0\.0\.1:\d+\/v1\/[^/]+\/default\/workers-ai$/);
  });

  test("an Outpost error is thrown inside the Worker with its Workers AI code", async () => {
    const res = await fetch(`${c.worker().url}/error`);
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), c.error);
    assert.equal((await fetch(`${c.worker().url}/json`)).status, 200, "the binding still works after an error");
  });

  test("text-to-speech comes back as Workers AI's {audio} object, the REST API's base64 MP3", async () => {
    const res = await fetch(`${c.worker().url}/speech`);
    assert.equal(res.status, 200, await res.clone().text());
    const rest = (await (await postJson(`${c.outpost().url}/ai/run/@outpost/espeak-ng`, { prompt: "Hello from a Worker", lang: "en" })).json()) as { result: { audio: string } };
    assert.deepEqual(await res.json(), rest.result);
    assert.deepEqual([...Buffer.from(rest.result.audio, "base64").subarray(0, 2)], [0xff, 0xf3], "an MPEG-2 layer III frame");
  });

  test("speech recognition takes the file's bytes and answers Workers AI's {text, word_count, words, vtt}", async () => {
    const wav = speech("Hello from a Worker");
    const seconds = wav.readUInt32LE(40) / 2 / wav.readUInt32LE(24);
    const res = await fetch(`${c.worker().url}/transcribe`, { method: "POST", body: new Uint8Array(wav) });
    assert.equal(res.status, 200, await res.clone().text());
    const answer = (await res.json()) as { word_count: number; words: { start: number; end: number }[] };
    assert.deepEqual(Object.keys(answer), ["text", "word_count", "words", "vtt"]);
    assert.equal(answer.word_count, answer.words.length);
    for (const word of answer.words) assert.ok(0 <= word.start && word.start <= word.end && word.end <= seconds, JSON.stringify(word));
  });

  test("image-to-text takes the image's bytes and answers the REST API's {description}", async () => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: "#336699" } }).png().toBuffer();
    const res = await fetch(`${c.worker().url}/describe`, { method: "POST", body: new Uint8Array(png) });
    assert.equal(res.status, 200, await res.clone().text());
    const rest = (await (await postJson(`${c.outpost().url}/ai/run/@outpost/vit-gpt2-tiny-standin`, { image: [...png], max_tokens: 8 })).json()) as { result: { description: string } };
    assert.deepEqual(await res.json(), rest.result);
    assert.ok(rest.result.description.length > 0);
  });

  test("env.AI.models() returns the catalog search result", async () => {
    const res = await fetch(`${c.worker().url}/models`);
    assert.equal(res.status, 200);
    const models = (await res.json()) as { name: string }[];
    assert.deepEqual(models.map((m) => m.name).sort(), [STORIES, `${STORIES}-embeddings`]);
    const rest = (await (await fetch(`${c.outpost().url}/client/v4/accounts/local/ai/models/search?search=tinyllamas`)).json()) as { result: unknown };
    assert.deepEqual(models, rest.result);
  });
}
