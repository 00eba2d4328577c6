import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Cloudflare from "cloudflare";
import { envelopeResult, post } from "../helpers/http.js";
import { startServer, STORIES, STORIES_EMBEDDINGS, type TestServer } from "../helpers/server.js";

/** The unmodified `cloudflare` npm SDK, with only its baseURL pointed at Outpost. */
describe("the cloudflare SDK against Outpost", () => {
  let server: TestServer;
  let client: Cloudflare;
  const account_id = "0123abcd";
  before(async () => {
    server = await startServer();
    client = new Cloudflare({ apiToken: "any-token", baseURL: `${server.url}/client/v4`, maxRetries: 0 });
  });
  after(() => server.stop());

  // The SDK types inputs per model; Outpost's models are not in its list, so the inputs are cast.
  const run = (model: string, inputs: Record<string, unknown>) => client.ai.run(model, { account_id, ...inputs } as unknown as Cloudflare.AI.AIRunParams);

  test("ai.run returns the envelope's result, for text generation and embeddings", async () => {
    const story = { prompt: "Once upon a time", max_tokens: 10, seed: 21 };
    assert.deepEqual(await run(STORIES, story), await envelopeResult(await post(`${server.url}/ai/run/${STORIES}`, story)));
    const chat = (await run(STORIES, { messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 4 })) as { usage: { completion_tokens: number } };
    assert.equal(chat.usage.completion_tokens, 4);
    const embedded = (await run(STORIES_EMBEDDINGS, { text: ["a", "b"] })) as { shape: number[] };
    assert.deepEqual(embedded.shape, [2, 64]);
  });

  test("errors become the SDK's typed errors carrying the Workers AI errors array", async () => {
    await assert.rejects(run("@cf/no/such", { prompt: "x" }), (error: unknown) => {
      assert.ok(error instanceof Cloudflare.BadRequestError);
      assert.equal(error.status, 400);
      assert.deepEqual(error.errors, [{ code: 5007, message: "No such model @cf/no/such or task" }]);
      return true;
    });
    await assert.rejects(run(STORIES, { prompt: "x", messages: [] }), (error: unknown) => {
      assert.ok(error instanceof Cloudflare.BadRequestError);
      assert.deepEqual(error.errors, [{ code: 1001, message: "prompt and messages are mutually exclusive" }]);
      return true;
    });
  });

  test("models.list pages through the catalog and models.schema.get returns the schema", async () => {
    const names: string[] = [];
    for await (const model of client.ai.models.list({ account_id, per_page: 20 })) names.push((model as { name: string }).name);
    const all = await envelopeResult<{ name: string }[]>(await fetch(`${server.url}/ai/models/search?per_page=1000`));
    assert.deepEqual(names, all.map((model) => model.name));
    const schema = await client.ai.models.schema.get({ account_id, model: STORIES_EMBEDDINGS });
    assert.deepEqual(schema, await envelopeResult(await fetch(`${server.url}/ai/models/schema?model=${STORIES_EMBEDDINGS}`)));
  });
});
