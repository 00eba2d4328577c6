import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { assertUsage, bodyText, envelopeResult, openAiError, post, sseData, type Usage } from "../helpers/http.js";
import { startServer, STORIES, STORIES_EMBEDDINGS, TINYSTORIES_656K, type TestServer } from "../helpers/server.js";

interface Chunk {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: { index: number; delta?: { role?: string; content?: string }; text?: string; finish_reason: string | null }[];
  usage?: Usage;
}

/** Parses an OpenAI stream: chunk events, then `data: [DONE]`. */
function parseChunks(text: string): Chunk[] {
  const events = sseData(text);
  assert.equal(events.at(-1), "[DONE]");
  const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as Chunk);
  assert.equal(new Set(chunks.map((chunk) => chunk.id)).size, 1, "one id for the whole stream");
  return chunks;
}

/** The OpenAI-compatible surface, raw over HTTP and through the unmodified `openai` SDK. */
describe("OpenAI-compatible endpoints", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());

  const bases = () => [`${server.url}/v1`, `${server.url}/client/v4/accounts/0123abcd/ai/v1`];
  const story = { model: STORIES, max_tokens: 10, seed: 7 };
  const messages = [{ role: "user", content: "Once upon a time" }];

  test("chat completions on both prefixes match the Workers AI response for the same inputs", async () => {
    const workers = await envelopeResult<{ response: string; usage: Usage }>(await post(`${server.url}/ai/run/${STORIES}`, { messages, max_tokens: 10, seed: 7 }));
    for (const base of bases()) {
      const res = await post(`${base}/chat/completions`, { ...story, messages });
      const body = JSON.parse(await bodyText(res));
      assert.equal(res.status, 200);
      assert.match(body.id, /^chatcmpl-/);
      assert.equal(body.object, "chat.completion");
      assert.equal(body.model, STORIES);
      assert.ok(Number.isInteger(body.created));
      assert.deepEqual(body.choices, [{ index: 0, message: { role: "assistant", content: workers.response }, finish_reason: "length", logprobs: null }]);
      assert.deepEqual(body.usage, workers.usage);
    }
  });

  test("streamed chat: chat.completion.chunk events, a finish chunk, usage on request, then [DONE]", async () => {
    const plain = JSON.parse(await bodyText(await post(`${server.url}/v1/chat/completions`, { ...story, messages })));
    for (const base of bases()) {
      const res = await post(`${base}/chat/completions`, { ...story, messages, stream: true, stream_options: { include_usage: true } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/event-stream");
      const chunks = parseChunks(await bodyText(res));
      for (const chunk of chunks) assert.equal(chunk.object, "chat.completion.chunk");
      const usage = chunks.at(-1)!;
      assert.deepEqual(usage.choices, []);
      assert.deepEqual(usage.usage, plain.usage);
      const finish = chunks.at(-2)!;
      assert.deepEqual(finish.choices, [{ index: 0, delta: {}, finish_reason: "length" }]);
      const deltas = chunks.slice(0, -2).map((chunk) => chunk.choices[0]!);
      assert.equal(deltas[0]!.delta!.role, "assistant");
      for (const delta of deltas) assert.equal(delta.finish_reason, null);
      assert.equal(deltas.map((delta) => delta.delta!.content).join(""), plain.choices[0].message.content);
    }
    const withoutUsage = parseChunks(await bodyText(await post(`${server.url}/v1/chat/completions`, { ...story, messages, stream: true })));
    assert.ok(withoutUsage.every((chunk) => chunk.usage === undefined));
    assert.equal(withoutUsage.at(-1)!.choices[0]!.finish_reason, "length");
  });

  test("completions: text_completion, raw prompt, streamed the same", async () => {
    const workers = await envelopeResult<{ response: string; usage: Usage }>(await post(`${server.url}/ai/run/${STORIES}`, { prompt: "Once upon a time", raw: true, max_tokens: 10, seed: 7 }));
    for (const base of bases()) {
      const body = JSON.parse(await bodyText(await post(`${base}/completions`, { ...story, prompt: "Once upon a time" })));
      assert.equal(body.object, "text_completion");
      assert.match(body.id, /^cmpl-/);
      assert.deepEqual(body.choices, [{ index: 0, text: workers.response, finish_reason: "length", logprobs: null }]);
      assert.deepEqual(body.usage, workers.usage);
      const chunks = parseChunks(await bodyText(await post(`${base}/completions`, { ...story, prompt: "Once upon a time", stream: true, stream_options: { include_usage: true } })));
      assert.equal(chunks.slice(0, -1).map((chunk) => chunk.choices[0]?.text ?? "").join(""), workers.response);
      assert.deepEqual(chunks.at(-1)!.usage, workers.usage);
    }
  });

  test("finish_reason is stop when the model ends its story, length when max_tokens cuts it", async () => {
    // stories260K never emits EOS (llama2.c separates stories with BOS); the 656K model ends with <|end_story|>.
    const ended = JSON.parse(await bodyText(await post(`${server.url}/v1/completions`, { model: TINYSTORIES_656K, prompt: "Once upon a time", max_tokens: 256, temperature: 0 })));
    assertUsage(ended.usage);
    assert.ok(ended.usage.completion_tokens < 256, String(ended.usage.completion_tokens));
    assert.equal(ended.choices[0].finish_reason, "stop");
    const cut = JSON.parse(await bodyText(await post(`${server.url}/v1/completions`, { model: TINYSTORIES_656K, prompt: "Once upon a time", max_tokens: 5, temperature: 0 })));
    assert.equal(cut.choices[0].finish_reason, "length");
    assert.ok(ended.choices[0].text.startsWith(cut.choices[0].text));
  });

  test("an input that crashes its runner twice is a 422 poison_input, and the next request succeeds", async () => {
    // TinyStories-656K has no byte fallback: `#` aborts llama.cpp in its runner. The request is
    // retried once on a fresh runner, crashes it again and is refused (serving-isolation covers the REST side).
    await openAiError(await post(`${server.url}/v1/chat/completions`, { model: TINYSTORIES_656K, messages: [{ role: "user", content: "a # b" }] }), 422, "poison_input", /^This input crashed the runner of @cf\/raincandy-u\/tinystories-656k twice \(The runner for @cf\/raincandy-u\/tinystories-656k stopped \(signal SIGABRT\)/);
    const next = JSON.parse(await bodyText(await post(`${server.url}/v1/completions`, { model: TINYSTORIES_656K, prompt: "Once upon a time", max_tokens: 3 })));
    assert.equal(next.usage.completion_tokens, 3);
  });

  test("embeddings: float and base64 encodings carry the same vectors", async () => {
    for (const base of bases()) {
      const float = JSON.parse(await bodyText(await post(`${base}/embeddings`, { model: STORIES_EMBEDDINGS, input: ["a cat", "a dog"] })));
      assert.equal(float.object, "list");
      assert.equal(float.model, STORIES_EMBEDDINGS);
      assert.equal(float.data.length, 2);
      float.data.forEach((item: { object: string; index: number; embedding: number[] }, index: number) => {
        assert.equal(item.object, "embedding");
        assert.equal(item.index, index);
        assert.equal(item.embedding.length, 64);
      });
      assert.ok(float.usage.prompt_tokens > 0 && float.usage.total_tokens === float.usage.prompt_tokens);
      const b64 = JSON.parse(await bodyText(await post(`${base}/embeddings`, { model: STORIES_EMBEDDINGS, input: ["a cat", "a dog"], encoding_format: "base64" })));
      const decoded = b64.data.map((item: { embedding: string }) => [...new Float32Array(new Uint8Array(Buffer.from(item.embedding, "base64")).buffer)]);
      assert.deepEqual(decoded, float.data.map((item: { embedding: number[] }) => item.embedding.map((x) => Math.fround(x))));
    }
  });

  test("models: every catalog model, on both prefixes", async () => {
    for (const base of bases()) {
      const res = await fetch(`${base}/models`);
      const body = JSON.parse(await bodyText(res));
      assert.equal(body.object, "list");
      const ids = body.data.map((model: { id: string }) => model.id);
      assert.ok(ids.includes(STORIES) && ids.includes(STORIES_EMBEDDINGS));
      for (const model of body.data) assert.deepEqual(Object.keys(model).sort(), ["created", "id", "object", "owned_by"]);
    }
  });

  describe("the unmodified openai SDK", () => {
    const client = (base: string) => new OpenAI({ apiKey: "any-token", baseURL: base, maxRetries: 0 });

    test("chat, streaming chat with usage", async () => {
      for (const base of bases()) {
        const openai = client(base);
        const completion = await openai.chat.completions.create({ model: STORIES, messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 10, seed: 7 });
        assert.equal(completion.choices[0]!.finish_reason, "length");
        assert.equal(completion.usage!.completion_tokens, 10);
        const stream = await openai.chat.completions.create({ model: STORIES, messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 10, seed: 7, stream: true, stream_options: { include_usage: true } });
        let text = "";
        let usage: OpenAI.CompletionUsage | undefined | null;
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta.content ?? "";
          usage ??= chunk.usage;
        }
        assert.equal(text, completion.choices[0]!.message.content);
        assert.deepEqual(usage, completion.usage);
      }
    });

    test("embeddings (base64 on the wire by default) and models list", async () => {
      const openai = client(`${server.url}/v1`);
      const embeddings = await openai.embeddings.create({ model: STORIES_EMBEDDINGS, input: ["a cat", "a dog"] });
      assert.equal(embeddings.data.length, 2);
      assert.equal(embeddings.data[0]!.embedding.length, 64);
      const float = await openai.embeddings.create({ model: STORIES_EMBEDDINGS, input: ["a cat", "a dog"], encoding_format: "float" });
      assert.deepEqual(embeddings.data[1]!.embedding, float.data[1]!.embedding.map((x) => Math.fround(x)));
      const ids: string[] = [];
      for await (const model of openai.models.list()) ids.push(model.id);
      assert.ok(ids.includes(STORIES));
    });

    test("errors surface as the SDK's typed errors", async () => {
      const openai = client(`${server.url}/v1`);
      await assert.rejects(openai.chat.completions.create({ model: "@cf/no/such", messages: [{ role: "user", content: "x" }] }), (error: unknown) => {
        assert.ok(error instanceof OpenAI.BadRequestError);
        assert.equal(error.code, "model_not_found");
        assert.equal(error.message, "400 No such model @cf/no/such or task");
        return true;
      });
    });
  });
});
