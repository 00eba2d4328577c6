import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Ajv } from "ajv";
import type { ModelSearchItem } from "../../src/contract/index.js";
import { envelopeError, envelopeResult, post } from "../helpers/http.js";
import { startServer, STORIES, STORIES_EMBEDDINGS, type TestServer } from "../helpers/server.js";

type SearchItem = ModelSearchItem;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function assertSearchItem(item: SearchItem): void {
  const keys = Object.keys(item).filter((key) => key !== "created_at").sort();
  assert.deepEqual(keys, ["description", "id", "name", "properties", "source", "tags", "task"]);
  assert.match(item.id, UUID);
  assert.ok(item.source === 1 || item.source === 2);
  // Workers AI ids, and Outpost's own models (`@outpost/<name>`: the stand-ins, espeak-ng).
  assert.match(item.name, /^(@(cf|hf)\/[^/]+\/[^/]+|@outpost\/[^/]+)$/);
  assert.equal(typeof item.description, "string");
  assert.match(item.task.id, UUID);
  assert.equal(typeof item.task.name, "string");
  assert.equal(typeof item.task.description, "string");
  assert.ok(Array.isArray(item.tags));
  for (const property of item.properties) assert.deepEqual(Object.keys(property).sort(), ["property_id", "value"]);
}

/** models/search and models/schema, and proof that the served schema is the one enforced. */
describe("Workers AI catalog endpoints", () => {
  let server: TestServer;
  let ai: string;
  before(async () => {
    server = await startServer();
    ai = `${server.url}/client/v4/accounts/0123abcd/ai`;
  });
  after(() => server.stop());

  const search = async (query: string, base = ai) => envelopeResult<SearchItem[]>(await fetch(`${base}/models/search${query}`));

  test("search items have the Workers AI shape; the short /ai path answers the same", async () => {
    const all = await search("");
    // With no per_page every match comes back: env.AI.models() used to drop models past 50.
    assert.equal(all.length, (await search("?per_page=1000")).length);
    assert.ok(all.length > 50, `the whole catalog, got ${all.length}`);
    all.forEach(assertSearchItem);
    assert.deepEqual(await search("", `${server.url}/ai`), all);
    const stories = all.find((item) => item.name === STORIES);
    assert.ok(stories);
    assert.equal(stories.task.id, "c329a1f9-323d-4e91-b2aa-582dd4188d34");
    assert.equal(stories.task.name, "Text Generation");
    assert.ok(stories.properties.some((p) => p.property_id === "context_window" && p.value === 512));
  });

  test("search, task and author filter", async () => {
    const tiny = await search("?search=TinyLlamas");
    assert.deepEqual(tiny.map((item) => item.name).sort(), [STORIES, STORIES_EMBEDDINGS]);
    const byTaskId = await search("?task=text-embeddings&per_page=1000");
    assert.ok(byTaskId.length >= 2);
    for (const item of byTaskId) assert.equal(item.task.name, "Text Embeddings");
    assert.deepEqual(await search("?task=Text%20Embeddings&per_page=1000"), byTaskId);
    assert.deepEqual(await search("?task=0137cdcf-162a-4108-94f2-1ca59e8c65ee&per_page=1000"), byTaskId);
    const karpathy = await search("?author=karpathy");
    assert.deepEqual(karpathy.map((item) => item.name).sort(), [STORIES, STORIES_EMBEDDINGS]);
    assert.deepEqual(await search("?author=karpathy&task=text-generation"), karpathy.filter((item) => item.name === STORIES));
    assert.deepEqual(await search("?search=no-such-model-anywhere"), []);
  });

  test("page and per_page walk the whole catalog once", async () => {
    const everything = await search("?per_page=1000");
    const walked: SearchItem[] = [];
    for (let page = 1; ; page++) {
      const items = await search(`?per_page=7&page=${page}`);
      assert.ok(items.length <= 7);
      walked.push(...items);
      if (items.length < 7) break;
    }
    assert.deepEqual(walked, everything);
    assert.deepEqual(await search("?per_page=2&page=2"), everything.slice(2, 4));
  });

  test("bad query parameters get a 400 envelope", async () => {
    await envelopeError(await fetch(`${ai}/models/search?per_page=abc`), 400, 1001, /per_page/);
    await envelopeError(await fetch(`${ai}/models/search?page=0`), 400, 1001, /page/);
    await envelopeError(await fetch(`${ai}/models/schema`), 400, 1001, /model/);
    await envelopeError(await fetch(`${ai}/models/schema?model=%40cf%2Fno%2Fsuch`), 400, 5007, "No such model @cf/no/such or task");
    await envelopeError(await fetch(`${ai}/models/schema?model=..%2F..%2Fetc%2Fpasswd`), 400, 5007, "No such model ../../etc/passwd or task");
    assert.ok((await search("")).length > 0, "still serving");
  });

  const schemaOf = async (model: string) => {
    const schema = await envelopeResult<{ input: Record<string, unknown>; output: Record<string, unknown> }>(await fetch(`${ai}/models/schema?model=${encodeURIComponent(model)}`));
    assert.deepEqual(Object.keys(schema).sort(), ["input", "output"]);
    assert.equal(schema.input.$schema, undefined, "Workers AI schemas carry no $schema");
    const ajv = new Ajv({ allErrors: true });
    // Workers AI's output schemas mark the wire format with `contentType` and binary streams with `format: binary`.
    ajv.addKeyword("contentType");
    ajv.addFormat("binary", true);
    return { input: ajv.compile(schema.input), output: ajv.compile(schema.output) };
  };

  /** Each body goes to the server and through the served schema: both must agree. */
  async function agree(model: string, bodies: Record<string, unknown>[], validate: Awaited<ReturnType<typeof schemaOf>>): Promise<void> {
    for (const body of bodies) {
      const res = await post(`${ai}/run/${model}`, body);
      const text = await res.text();
      const valid = validate.input(body);
      assert.equal(res.status === 200, valid, `${JSON.stringify(body).slice(0, 120)}: server ${res.status} ${text.slice(0, 200)}, schema ${valid ? "valid" : JSON.stringify(validate.input.errors?.[0])}`);
      if (valid) assert.ok(validate.output(JSON.parse(text).result), `output ${JSON.stringify(validate.output.errors)}`);
      else assert.equal(JSON.parse(text).errors[0].code, 1001);
    }
  }

  test("text-generation: the served schema accepts exactly what run accepts", async () => {
    const validate = await schemaOf(STORIES);
    const ok = { max_tokens: 1 };
    await agree(
      STORIES,
      [
        { prompt: "Once", ...ok },
        { prompt: "Once", raw: true, stream: false, temperature: 0, top_p: 0.9, top_k: 5, seed: 9_999_999_999, repetition_penalty: 1.1, frequency_penalty: -2, presence_penalty: 2, ...ok },
        { prompt: "Once", lora: "ignored", tools: [], response_format: { type: "text" }, ...ok },
        { messages: [{ role: "system", content: "s" }, { role: "user", content: [{ type: "text", text: "u" }] }, { role: "assistant", content: "a", name: "x" }, { role: "tool", content: "t", tool_call_id: "call_1" }], ...ok },
        { messages: [{ role: "tool", content: "t" }], ...ok },
        {},
        { max_tokens: 1 },
        { prompt: "" },
        { prompt: 5 },
        { prompt: null },
        { prompt: "Once", messages: [{ role: "user", content: "u" }] },
        { prompt: "Once", max_tokens: "5" },
        { prompt: "Once", max_tokens: 0 },
        { prompt: "Once", max_tokens: 1.5 },
        { prompt: "Once", temperature: 5.5, ...ok },
        { prompt: "Once", top_k: 51, ...ok },
        { prompt: "Once", top_p: 0, ...ok },
        { prompt: "Once", seed: 0, ...ok },
        { prompt: "Once", seed: 10_000_000_000, ...ok },
        { prompt: "Once", stream: "yes", ...ok },
        { prompt: "Once", raw: "no", ...ok },
        { messages: [], ...ok },
        { messages: "hi", ...ok },
        { messages: [{ role: "robot", content: "u" }], ...ok },
        { messages: [{ role: "user" }], ...ok },
        { messages: [{ role: "user", content: 5 }], ...ok },
        { messages: [{ role: "user", content: [{ type: "image", text: "u" }] }], ...ok },
      ],
      validate,
    );
  });

  test("text-embeddings: the served schema accepts exactly what run accepts", async () => {
    const validate = await schemaOf(STORIES_EMBEDDINGS);
    await agree(
      STORIES_EMBEDDINGS,
      [
        { text: "a story" },
        { text: ["a", "b"], pooling: "mean" },
        { text: "a", pooling: "cls", extra: true },
        { text: Array.from({ length: 100 }, (_, i) => `t${i}`) },
        {},
        { text: "" },
        { text: [] },
        { text: ["a", ""] },
        { text: 5 },
        { text: [5] },
        { text: "a", pooling: "max" },
        { text: Array.from({ length: 101 }, (_, i) => `t${i}`) },
      ],
      validate,
    );
  });
});
