import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { envelopeError, envelopeResult, openAiError, post } from "../helpers/http.js";
import { startServer, STORIES_EMBEDDINGS, type TestServer } from "../helpers/server.js";

interface Embeddings {
  shape: [number, number];
  data: number[][];
  usage: { prompt_tokens: number; total_tokens: number };
}

/** text-embeddings over REST: shapes, batch and token limits, any Unicode. */
describe("text embeddings", () => {
  let server: TestServer;
  let url: string;
  before(async () => {
    server = await startServer();
    url = `${server.url}/client/v4/accounts/0123abcd/ai/run/${STORIES_EMBEDDINGS}`;
  });
  after(() => server.stop());

  const embed = async (text: unknown): Promise<Embeddings> => {
    const result = await envelopeResult<Embeddings>(await post(url, { text }));
    assert.equal(result.data.length, result.shape[0]);
    for (const vector of result.data) {
      assert.equal(vector.length, 64);
      assert.ok(vector.every(Number.isFinite));
    }
    assert.equal(result.usage.total_tokens, result.usage.prompt_tokens);
    return result;
  };

  test("one string gives shape [1, 64]; a list gives one vector per item, each as if alone", async () => {
    const one = await embed("The cat sat on the mat.");
    assert.deepEqual(one.shape, [1, 64]);
    const many = await embed(["The cat sat on the mat.", "A dog ran in the park.", "Tom ate a red apple."]);
    assert.deepEqual(many.shape, [3, 64]);
    assert.deepEqual(many.data[0], one.data[0]);
    assert.notDeepEqual(many.data[1], many.data[2]);
    assert.ok(many.usage.prompt_tokens > one.usage.prompt_tokens);
  });

  test("100 items are accepted, 101 refused with a 400 envelope", async () => {
    const hundred = await embed(Array.from({ length: 100 }, (_, i) => `Story number ${i}.`));
    assert.deepEqual(hundred.shape, [100, 64]);
    await envelopeError(await post(url, { text: Array.from({ length: 101 }, (_, i) => `Story number ${i}.`) }), 400, 1001, "Invalid input at '/text': at most 100 items are allowed");
    const openai = await post(`${server.url}/v1/embeddings`, { model: STORIES_EMBEDDINGS, input: Array.from({ length: 101 }, () => "x") });
    await openAiError(openai, 400, "input_invalid", /at most 100/);
  });

  test("an item over 512 tokens is refused with a 400 envelope, naming the item", async () => {
    const long = "The little dog played. ".repeat(120);
    await envelopeError(await post(url, { text: long }), 400, 1001, /^Invalid input at '\/text\/0': \d+ tokens, at most 512 are allowed$/);
    await envelopeError(await post(url, { text: ["short", long] }), 400, 1001, /^Invalid input at '\/text\/1': /);
    const fits = await embed("The little dog played. ".repeat(20));
    assert.ok(fits.usage.prompt_tokens <= 512);
  });

  test("emoji and right-to-left text embed", async () => {
    const result = await embed(["🐱🐶 مرحبا بالعالم", "שלום עולם 👋🏽", "日本語のテキスト"]);
    assert.deepEqual(result.shape, [3, 64]);
  });
});
