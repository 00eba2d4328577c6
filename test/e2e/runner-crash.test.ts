import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { bodyText, envelopeError, envelopeResult, openAiError, post } from "../helpers/http.js";
import { startServer, STORIES, TINYSTORIES_656K, type TestServer } from "../helpers/server.js";

/**
 * TinyStories-656K has no byte fallback: tokenizing `#` makes llama.cpp abort the process. The
 * runner child dies; the server answers 502 (code 3043) and starts a fresh runner for the next call.
 */
describe("a runner that crashes", () => {
  let server: TestServer;
  let url: string;
  before(async () => {
    server = await startServer();
    url = `${server.url}/ai/run/${TINYSTORIES_656K}`;
  });
  after(() => server.stop());

  const story = { prompt: "Once upon a time", max_tokens: 5, seed: 1 };

  test("fails its request with a 502 envelope, code 3043, and the next request succeeds", async () => {
    const before = await envelopeResult<{ response: string }>(await post(url, story));
    await envelopeError(await post(url, { prompt: "Once upon a # time", max_tokens: 5 }), 502, 3043, /^The runner for @cf\/raincandy-u\/tinystories-656k stopped \(signal SIGABRT\)/);
    const after = await envelopeResult<{ response: string }>(await post(url, story));
    assert.equal(after.response, before.response, "the restarted runner serves the same model");
    assert.match(server.output(), /terminate called|Map_base/, "the child's abort reached the server's stderr");
  });

  test("the same in a stream, over OpenAI, and other models are untouched", async () => {
    await envelopeError(await post(url, { prompt: "# heading", stream: true }), 502, 3043);
    await openAiError(await post(`${server.url}/v1/chat/completions`, { model: TINYSTORIES_656K, messages: [{ role: "user", content: "a # b" }] }), 502, "runner_crashed");
    const other = await post(`${server.url}/ai/run/${STORIES}`, { prompt: "# heading é €", max_tokens: 3 });
    assert.equal(other.status, 200, await other.clone().text());
    await bodyText(other);
    assert.equal((await envelopeResult<{ usage: { completion_tokens: number } }>(await post(url, story))).usage.completion_tokens, 5);
  });
});
