import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createRemoteAi } from "../../src/binding/index.js";
import { createOutpost, type Outpost } from "../../src/cli/outpost.js";
import { envelopeError, envelopeResult, post } from "../helpers/http.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { standinMirror } from "../helpers/standins.js";

const M2M100 = "@cf/meta/m2m100-1.2b";
const BART = "@cf/facebook/bart-large-cnn";
const SST2 = "@cf/huggingface/distilbert-sst-2-int8";
const RERANKER = "@cf/baai/bge-reranker-base";

/** Translation, summarization and text classification on transformers.js, over REST and the binding. */
describe("text tools (transformers engine, random-weight stand-ins)", () => {
  let server: TestServer;
  let mirror: string;
  let outpost: Outpost;
  let dataDir: string;
  const rest = (model: string) => `${server.url}/client/v4/accounts/0123abcd/ai/run/${model}`;

  before(async () => {
    mirror = standinMirror();
    server = await startServer({ "model-mirror": mirror });
    dataDir = mkdtempSync(join(tmpdir(), "outpost-texttools-"));
    outpost = createOutpost({ modelMirror: mirror, dataDir });
  });
  after(async () => {
    outpost.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(mirror, { recursive: true, force: true });
  });

  test("text-classification answers both SST-2 labels, scores summing to 1, most likely first", async () => {
    const result = await envelopeResult<{ label: string; score: number }[]>(await post(rest(SST2), { text: "What a wonderful day." }));
    assert.deepEqual(result.map((r) => r.label).sort(), ["NEGATIVE", "POSITIVE"]);
    assert.ok(Math.abs(result[0]!.score + result[1]!.score - 1) < 1e-5);
    assert.ok(result[0]!.score >= result[1]!.score);
    const again = await envelopeResult(await post(rest(SST2), { text: "What a wonderful day." }));
    assert.deepEqual(again, result);
  });

  test("translation answers {translated_text}; codes and names pick the same languages", async () => {
    const byCode = await envelopeResult<Record<string, unknown>>(await post(rest(M2M100), { text: "Hello world", source_lang: "en", target_lang: "fr" }));
    assert.deepEqual(Object.keys(byCode), ["translated_text"]);
    assert.equal(typeof byCode.translated_text, "string");
    const byName = await envelopeResult(await post(rest(M2M100), { text: "Hello world", source_lang: "english", target_lang: "French" }));
    assert.deepEqual(byName, byCode);
    const defaultSource = await envelopeResult(await post(rest(M2M100), { text: "Hello world", target_lang: "fr" }));
    assert.deepEqual(defaultSource, byCode);
  });

  test("summarization answers {summary}, at most max_length tokens", async () => {
    const text = "The city council met on Tuesday to discuss the new park. Residents asked for more trees and a playground. ".repeat(3);
    const result = await envelopeResult<Record<string, unknown>>(await post(rest(BART), { input_text: text, max_length: 12 }));
    assert.deepEqual(Object.keys(result), ["summary"]);
    assert.equal(typeof result.summary, "string");
    assert.ok((result.summary as string).length > 0);
  });

  test("bad input is a 400 naming the field, and the server keeps serving", async () => {
    await envelopeError(await post(rest(M2M100), { text: "Hello", target_lang: "klingon" }), 400, 1001, /^Invalid input at '\/target_lang': unknown language/);
    await envelopeError(await post(rest(M2M100), { text: "Hello", source_lang: "xx", target_lang: "fr" }), 400, 1001, /^Invalid input at '\/source_lang'/);
    await envelopeError(await post(rest(M2M100), { text: "Hello" }), 400, 1001, /^Invalid input at '\/target_lang'/);
    await envelopeError(await post(rest(M2M100), { text: "", target_lang: "fr" }), 400, 1001, /^Invalid input at '\/text'/);
    await envelopeError(await post(rest(SST2), { text: 42 }), 400, 1001, /^Invalid input at '\/text'/);
    await envelopeError(await post(rest(BART), { input_text: "Some text.", max_length: 0 }), 400, 1001, /^Invalid input at '\/max_length'/);
    await envelopeError(await post(rest(BART), { input_text: "Some text.", max_length: 1e9 }), 400, 1001, /^Invalid input at '\/max_length'/);
    // Over the model's context: tokens counted by the model's own tokenizer.
    await envelopeError(await post(rest(SST2), { text: "word ".repeat(600) }), 400, 1001, /^Invalid input at '\/text': \d+ tokens, at most 512 are allowed$/);
    await envelopeError(await post(rest(BART), { input_text: "word ".repeat(1100) }), 400, 1001, /^Invalid input at '\/input_text': \d+ tokens, at most 1024 are allowed$/);
    // Over the character limit: refused while the body is read, as too large (413), naming the field.
    await envelopeError(await post(rest(SST2), { text: "x".repeat(20_000) }), 413, 3006, /'\/text' is longer than 16384 characters/);
    const fine = await envelopeResult<{ label: string }[]>(await post(rest(SST2), { text: "Still serving." }));
    assert.equal(fine.length, 2);
  });

  test("reranking answers {response:[{id,score}]}, best first, top_k of them", async () => {
    const contexts = [{ text: "Paris is the capital of France." }, { text: "Bananas are yellow." }, { text: "The Seine flows through Paris." }, { text: "Cats sleep a lot." }];
    const all = await envelopeResult<{ response: { id: number; score: number }[] }>(await post(rest(RERANKER), { query: "What is the capital of France?", contexts }));
    assert.deepEqual(Object.keys(all), ["response"]);
    assert.deepEqual(all.response.map((r) => r.id).sort(), [0, 1, 2, 3]);
    for (const { score } of all.response) assert.ok(score > 0 && score < 1);
    for (let i = 1; i < all.response.length; i++) assert.ok(all.response[i - 1]!.score >= all.response[i]!.score);
    const two = await envelopeResult<{ response: { id: number; score: number }[] }>(await post(rest(RERANKER), { query: "What is the capital of France?", contexts, top_k: 2 }));
    assert.deepEqual(two.response, all.response.slice(0, 2));
    // Each context scores as if alone: batching does not change a score.
    const alone = await envelopeResult<{ response: { id: number; score: number }[] }>(await post(rest(RERANKER), { query: "What is the capital of France?", contexts: [contexts[2]] }));
    assert.ok(Math.abs(alone.response[0]!.score - all.response.find((r) => r.id === 2)!.score) < 1e-5);
    await envelopeError(await post(rest(RERANKER), { query: "q", contexts, top_k: 0 }), 400, 1001, /^Invalid input at '\/top_k'/);
    await envelopeError(await post(rest(RERANKER), { query: "q", contexts, top_k: 1e9 }), 400, 1001, /^Invalid input at '\/top_k'/);
    await envelopeError(await post(rest(RERANKER), { query: "q", contexts: [] }), 400, 1001, /^Invalid input at '\/contexts'/);
    await envelopeError(await post(rest(RERANKER), { query: "q", contexts: [{ text: 5 }] }), 400, 1001, /^Invalid input at '\/contexts\/0\/text'/);
    await envelopeError(await post(rest(RERANKER), { text: "a classifier's input" }), 400, 1001, /^Invalid input at '\/query'/);
    const res = await fetch(`${server.url}/client/v4/accounts/0123abcd/ai/models/schema?model=${encodeURIComponent(RERANKER)}`);
    const { input } = await envelopeResult<{ input: { required: string[] } }>(res);
    assert.deepEqual(input.required, ["query", "contexts"]);
  });

  test("the served schemas are what run validates", async () => {
    const res = await fetch(`${server.url}/client/v4/accounts/0123abcd/ai/models/schema?model=${encodeURIComponent(M2M100)}`);
    const { input, output } = await envelopeResult<{ input: { required: string[]; properties: Record<string, unknown> }; output: { properties: Record<string, unknown> } }>(res);
    assert.deepEqual(input.required, ["text", "target_lang"]);
    assert.deepEqual(Object.keys(input.properties), ["text", "source_lang", "target_lang"]);
    assert.deepEqual(Object.keys(output.properties), ["translated_text"]);
  });

  for (const [flavour, getAi] of [
    ["in-process binding", () => outpost.ai],
    ["remote binding", () => createRemoteAi(server.url)],
  ] as const) {
    test(`${flavour}: the same results as REST`, async () => {
      const ai = getAi();
      for (const [model, inputs] of [
        [SST2, { text: "Binding check." }],
        [M2M100, { text: "Binding check.", target_lang: "de" }],
        [BART, { input_text: "Binding check. It has two sentences.", max_length: 8 }],
      ] as const) {
        const expected = await envelopeResult(await post(rest(model), inputs));
        assert.deepEqual(await ai.run(model, inputs), expected, model);
      }
      await assert.rejects(ai.run(M2M100, { text: "x", target_lang: "zz" }), /target_lang/);
    });
  }
});
