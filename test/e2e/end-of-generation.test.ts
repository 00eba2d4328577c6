import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { postJson, startServer, TINYSTORIES_656K, type TestServer } from "../helpers/server.js";

/** TinyStories-656K's GGUF declares `<|end_story|>` (id 2) as its EOS token. */
const END = "<|end_story|>";
const SEEDS = [1, 2, 3, 4, 5, 6];
const INPUTS = { prompt: "Once upon a time", max_tokens: 256 };

describe("end-of-generation tokens from the GGUF end the answer and are never text", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test("Workers AI REST: every seed's story ends before max_tokens, without the token", async () => {
    for (const seed of SEEDS) {
      const res = await postJson(`${server.url}/ai/run/${TINYSTORIES_656K}`, { ...INPUTS, seed });
      const body = (await res.json()) as { result: { response: string; usage: { completion_tokens: number } } };
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.ok(!body.result.response.includes(END), `seed ${seed}: ${body.result.response}`);
      assert.ok(!body.result.response.includes("<|"), `seed ${seed}: ${body.result.response}`);
      assert.ok(body.result.usage.completion_tokens < INPUTS.max_tokens, `seed ${seed} ran to max_tokens: ${body.result.response}`);
      assert.ok(body.result.response.trim().length > 0);
    }
  });

  test("streams (Workers AI SSE and OpenAI chunks) end with the story: no token text, finish_reason stop", async () => {
    for (const seed of SEEDS.slice(0, 3)) {
      const sse = await (await postJson(`${server.url}/ai/run/${TINYSTORIES_656K}`, { ...INPUTS, seed, stream: true })).text();
      assert.ok(!sse.includes("end_story"), sse);
      assert.ok(sse.endsWith("data: [DONE]\n\n"));
      const chunks = await (await postJson(`${server.url}/v1/completions`, { model: TINYSTORIES_656K, prompt: "Once upon a time", max_tokens: 256, seed, stream: true })).text();
      assert.ok(!chunks.includes("end_story"), chunks);
      assert.match(chunks, /"finish_reason":"stop"/);
    }
  });

  test("OpenAI chat: finish_reason stop and content without the token", async () => {
    for (const seed of SEEDS.slice(0, 3)) {
      const res = await postJson(`${server.url}/v1/chat/completions`, { model: TINYSTORIES_656K, messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 256, seed });
      const body = (await res.json()) as { choices: { message: { content: string }; finish_reason: string }[] };
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.choices[0]?.finish_reason, "stop", JSON.stringify(body));
      assert.ok(!body.choices[0]?.message.content.includes(END), body.choices[0]?.message.content);
    }
  });
});
