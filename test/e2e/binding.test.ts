import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { LegacyAi } from "../helpers/legacy-ai.js";
import { createRemoteAi, InferenceUpstreamError, type Ai } from "../../src/binding/index.js";
import { createOutpost, type Outpost } from "../../src/cli/outpost.js";
import { bodyText, envelopeResult, parseWorkersStream, post, strictUtf8 } from "../helpers/http.js";
import { MODEL_MIRROR, startServer, STORIES, STORIES_EMBEDDINGS, type TestServer } from "../helpers/server.js";

/**
 * `env.AI` in both flavours, in-process (createOutpost().ai) and remote (createRemoteAi(url)),
 * run through one suite and held to what the REST API answers for the same inputs.
 */
describe("env.AI binding", () => {
  let server: TestServer;
  let outpost: Outpost;
  let dataDir: string;
  before(async () => {
    server = await startServer();
    dataDir = mkdtempSync(join(tmpdir(), "outpost-binding-"));
    outpost = createOutpost({ modelMirror: MODEL_MIRROR, dataDir });
  });
  after(async () => {
    outpost.close();
    rmSync(dataDir, { recursive: true, force: true });
    await server.stop();
  });

  const rest = (model: string) => `${server.url}/client/v4/accounts/0123abcd/ai/run/${model}`;
  const story = { prompt: "Once upon a time", max_tokens: 10, seed: 11 };

  const flavours: Record<string, () => Ai> = {
    "in-process": () => outpost.ai,
    remote: () => createRemoteAi(server.url),
  };

  for (const [flavour, getAi] of Object.entries(flavours)) {
    describe(flavour, () => {
      test("JSON results come back parsed, equal to the REST result", async () => {
        const ai = getAi();
        const expected = await envelopeResult(await post(rest(STORIES), story));
        assert.deepEqual(await ai.run(STORIES, story), expected);
        assert.match(ai.lastRequestId ?? "", /^[0-9a-f-]{36}$/);
        assert.equal(ai.lastRequestHttpStatusCode, 200);
        const embedded = await ai.run(STORIES_EMBEDDINGS, { text: ["a cat", "🐱 قطة"] });
        assert.deepEqual(embedded, await envelopeResult(await post(rest(STORIES_EMBEDDINGS), { text: ["a cat", "🐱 قطة"] })));
        assert.deepEqual(embedded.shape, [2, 64]);
      });

      test("stream: true gives a ReadableStream of the exact SSE bytes REST sends", async () => {
        const stream = await getAi().run(STORIES, { ...story, stream: true });
        assert.ok(stream instanceof ReadableStream);
        const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
        const restBytes = new Uint8Array(await (await post(rest(STORIES), { ...story, stream: true })).arrayBuffer());
        assert.deepEqual(bytes, restBytes);
        const { response } = parseWorkersStream(strictUtf8(bytes));
        assert.equal(response, (await getAi().run(STORIES, story)).response);
      });

      test("returnRawResponse: the Response itself, success or failure, never a throw", async () => {
        const ok = await getAi().run(STORIES, story, { returnRawResponse: true });
        assert.ok(ok instanceof Response);
        assert.equal(ok.status, 200);
        assert.equal(ok.headers.get("content-type"), "application/json");
        assert.deepEqual(await ok.json(), await getAi().run(STORIES, story));
        const failed: Response = await getAi().run("@cf/no/such", story, { returnRawResponse: true });
        assert.equal(failed.status, 400);
        assert.deepEqual(await failed.json(), { internalCode: 5007, name: "NoSuchModel", message: "No such model @cf/no/such or task", description: "No such model @cf/no/such or task" });
        const streamed: Response = await getAi().run(STORIES, { ...story, stream: true }, { returnRawResponse: true });
        assert.equal(streamed.headers.get("content-type"), "text/event-stream");
        parseWorkersStream(await bodyText(streamed));
      });

      test("failures throw InferenceUpstreamError with message '<code>: <description>'", async () => {
        const ai = getAi();
        const cases: [string, unknown, number, string, string][] = [
          ["@cf/no/such", story, 400, "NoSuchModel", "5007: No such model @cf/no/such or task"],
          ["../../etc/passwd", story, 400, "NoSuchModel", "5007: No such model ../../etc/passwd or task"],
          [STORIES, { ...story, messages: [{ role: "user", content: "x" }] }, 400, "InvalidInput", "1001: prompt and messages are mutually exclusive"],
          [STORIES, { prompt: 5 }, 400, "InvalidInput", "1001: Invalid input at '/prompt': Invalid input: expected string, received number"],
          [STORIES_EMBEDDINGS, { text: Array.from({ length: 101 }, () => "x") }, 400, "InvalidInput", "1001: Invalid input at '/text': at most 100 items are allowed"],
        ];
        for (const [model, inputs, status, name, message] of cases) {
          await assert.rejects(ai.run(model, inputs), (error: unknown) => {
            assert.ok(error instanceof InferenceUpstreamError, String(error));
            assert.equal(error.name, name);
            assert.equal(error.message, message);
            assert.equal(error.httpCode, status);
            return true;
          });
          assert.equal(ai.lastRequestHttpStatusCode, status);
          assert.equal(ai.lastRequestInternalStatusCode, Number(message.split(":")[0]));
        }
        assert.equal((await ai.run(STORIES, story)).usage.completion_tokens, 10, "the next request succeeds");
      });

      test("models(params) lists what models/search lists", async () => {
        for (const params of [{ author: "karpathy" }, { search: "stories", per_page: 2, page: 1 }, { task: "Text Embeddings" }]) {
          const query = new URLSearchParams(Object.entries(params).map(([key, value]) => [key, String(value)]));
          const expected = await envelopeResult(await fetch(`${server.url}/ai/models/search?${query}`));
          assert.deepEqual(await getAi().models(params), expected);
        }
      });

      test("the legacy @cloudflare/ai SDK runs unmodified on top of it", async () => {
        const ai = new LegacyAi(getAi());
        assert.deepEqual(await ai.run(STORIES, story), await getAi().run(STORIES, story));
        const stream = await ai.run(STORIES, { ...story, stream: true });
        assert.ok(stream instanceof ReadableStream);
        assert.equal(parseWorkersStream(await new Response(stream).text()).response, (await getAi().run(STORIES, story)).response);
        const embedded = (await ai.run(STORIES_EMBEDDINGS, { text: "a cat" })) as { shape: number[] };
        assert.deepEqual(embedded.shape, [1, 64]);
        await assert.rejects(ai.run("@cf/no/such", story), { name: "NoSuchModel", message: "5007: No such model @cf/no/such or task" });
      });
    });
  }
});
