import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { assertUsage, bodyText, envelopeResult, parseWorkersStream, post, type Usage } from "../helpers/http.js";
import { startServer, STORIES, type TestServer } from "../helpers/server.js";

/** Workers AI REST `run`: both URL forms, the envelope, the stream bytes and text-generation semantics. */
describe("Workers AI REST run", () => {
  let server: TestServer;
  let rest: string;
  before(async () => {
    server = await startServer();
    rest = `${server.url}/client/v4/accounts/0123abcd/ai/run`;
  });
  after(() => server.stop());

  type TextResult = { response: string; usage: Usage };
  const generate = async (inputs: Record<string, unknown>, base = rest, model = STORIES): Promise<TextResult> => {
    const result = await envelopeResult<TextResult>(await post(`${base}/${model}`, inputs));
    assert.deepEqual(Object.keys(result).sort(), ["response", "usage"]);
    assert.equal(typeof result.response, "string");
    assertUsage(result.usage);
    return result;
  };
  const stream = async (inputs: Record<string, unknown>) => {
    const res = await post(`${rest}/${STORIES}`, { ...inputs, stream: true });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    return parseWorkersStream(await bodyText(res));
  };
  const story = { prompt: "Once upon a time", max_tokens: 12, seed: 42 };

  test("the REST path, the short /ai path and a percent-encoded id give the same envelope", async () => {
    const long = await generate(story);
    assert.ok(long.response.length > 0);
    assert.equal(long.usage.completion_tokens, 12);
    assert.deepEqual(await generate(story, `${server.url}/ai/run`), long);
    assert.deepEqual(await generate(story, rest, encodeURIComponent(STORIES)), long);
    assert.deepEqual(await generate(story, `${server.url}/ai/run`, STORIES.replaceAll("/", "%2F")), long);
  });

  test("stream: exact Workers AI SSE bytes whose text equals the non-streamed response", async () => {
    const plain = await generate(story);
    const streamed = await stream(story);
    assert.ok(streamed.pieces.length > 1, "more than one token event");
    assert.equal(streamed.response, plain.response);
    assert.deepEqual(streamed.usage, plain.usage);
  });

  test("prompt and messages both work; a system message is part of the rendered prompt", async () => {
    const user = { role: "user", content: "Once upon a time" };
    const viaMessages = await generate({ messages: [user], max_tokens: 8, seed: 3 });
    assert.deepEqual(viaMessages, await generate({ prompt: "Once upon a time", max_tokens: 8, seed: 3 }));
    assert.equal(viaMessages.usage.prompt_tokens, 5, "<s> ▁Once ▁upon ▁a ▁time, as llama.cpp tokenizes the text");
    // The model's template is Workers AI's `bare`: the system prompt, a space, the first user turn.
    const system = { role: "system", content: "Tom had a red ball." };
    const withSystem = await generate({ messages: [system, user], max_tokens: 8, seed: 3 });
    assert.ok(withSystem.usage.prompt_tokens > viaMessages.usage.prompt_tokens);
    assert.deepEqual(withSystem, await generate({ prompt: "Tom had a red ball. Once upon a time", raw: true, max_tokens: 8, seed: 3 }));
    // Content given as text parts is the same as a string.
    assert.deepEqual(await generate({ messages: [{ role: "user", content: [{ type: "text", text: "Once upon a time" }] }], max_tokens: 8, seed: 3 }), viaMessages);
  });

  test("raw: the prompt's own markup is tokenized as markup, so `</s>` is one token", async () => {
    const prompt = "Lily smiled.</s>Once upon a time";
    const raw = await generate({ prompt, raw: true, max_tokens: 1 });
    const templated = await generate({ prompt, max_tokens: 1 });
    // <s> ▁L ily ▁sm iled . </s> ▁Once ▁upon ▁a ▁time: a space prefix after the special token, as llama.cpp does.
    assert.equal(raw.usage.prompt_tokens, 12);
    assert.ok(raw.usage.prompt_tokens < templated.usage.prompt_tokens, `${raw.usage.prompt_tokens} < ${templated.usage.prompt_tokens}`);
  });

  test("max_tokens: default 256, and exactly max_tokens when small", async () => {
    const unbounded = await generate({ prompt: "Once upon a time", seed: 9 });
    assert.ok(unbounded.usage.completion_tokens <= 256 && unbounded.usage.completion_tokens > 12, String(unbounded.usage.completion_tokens));
    const streamed = await stream({ prompt: "Once upon a time", seed: 9 });
    assert.equal(streamed.response, unbounded.response);
    for (const max of [1, 3, 7]) assert.equal((await generate({ prompt: "Once upon a time", max_tokens: max, seed: 9 })).usage.completion_tokens, max);
  });

  test("seed: same seed and inputs give the same text, other seeds other text", async () => {
    const inputs = { prompt: "Once upon a time", max_tokens: 40, temperature: 1 };
    const a = await generate({ ...inputs, seed: 1234 });
    assert.equal((await generate({ ...inputs, seed: 1234 })).response, a.response);
    const others = await Promise.all([1, 2, 3].map((seed) => generate({ ...inputs, seed })));
    assert.ok(others.some((other) => other.response !== a.response), "a different seed changes the text");
    // No seed: a fresh one per request, so identical requests vary (three equal 40-token samples would be a fluke).
    const unseeded = await Promise.all([0, 1, 2].map(() => generate(inputs)));
    assert.ok(new Set(unseeded.map((r) => r.response)).size > 1, "unseeded requests vary");
  });

  test("temperature 0 is greedy: the same text whatever the seed", async () => {
    const greedy = await Promise.all([1, 2, 3].map((seed) => generate({ prompt: "Once upon a time", max_tokens: 20, temperature: 0, seed })));
    assert.equal(new Set(greedy.map((r) => r.response)).size, 1);
  });

  test("emoji and right-to-left text in, valid UTF-8 out", async () => {
    const prompt = "The cat 🐱 said مرحبا and שלום 👋🏽";
    const plain = await generate({ prompt, max_tokens: 6, seed: 5 });
    assert.ok(plain.usage.prompt_tokens > 10);
    const streamed = await stream({ prompt, max_tokens: 6, seed: 5 });
    assert.equal(streamed.response, plain.response);
    const chat = await generate({ messages: [{ role: "system", content: "🙂 كن لطيفا" }, { role: "user", content: prompt }], max_tokens: 4 });
    assert.equal(chat.usage.completion_tokens, 4);
  });

  test("a client that goes away mid-stream leaves the server serving", async () => {
    const controller = new AbortController();
    const res = await fetch(`${rest}/${STORIES}`, { method: "POST", body: JSON.stringify({ prompt: "Once upon a time", stream: true, max_tokens: 200 }), signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.closed.catch(() => undefined);
    assert.equal((await generate({ prompt: "Once upon a time", max_tokens: 2 })).usage.completion_tokens, 2);
  });
});
