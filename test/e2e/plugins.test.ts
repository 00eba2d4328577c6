import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import OpenAI from "openai";
import { bodyText, envelopeError, envelopeResult, openAiError, post } from "../helpers/http.js";
import { startServer, STORIES, TINYSTORIES_656K, type TestServer } from "../helpers/server.js";

const PII = "examples/plugins/pii-redaction.mjs";
const STOPPER = "examples/plugins/word-stopper.mjs";
const HOSTILE = "test/e2e/fixtures/hostile-plugin.mjs";
const AUDIT = "test/e2e/fixtures/audit-plugin.mjs";
/** What the stories model writes, greedy, after "Once upon a time": ", there was a little girl named Lily. She loved…". */
const STORY_PROMPT = "Once upon a time";
const BEFORE_LILY = ", there was a little girl named";

const run = (server: TestServer, inputs: Record<string, unknown>, model = STORIES) => post(`${server.url}/ai/run/${model}`, { max_tokens: 12, temperature: 0, ...inputs });

/** The server's counter lines for plugin failures and restarts. */
async function pluginMetrics(server: TestServer): Promise<string[]> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return text.split("\n").filter((line) => /^outpost_(hook_failures|plugin_restarts)_total\{/.test(line));
}

describe("example plugins, through the openai SDK", () => {
  let server: TestServer;
  let client: OpenAI;
  before(async () => {
    server = await startServer({ plugin: `${PII}=closed,${STOPPER}` }, { STOP_WORDS: "lily,dragon" });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused" });
  });
  after(() => server.stop());

  test("the word stopper ends a stream before the word, as a normal stop", async () => {
    const stream = await client.completions.create({ model: STORIES, prompt: STORY_PROMPT, max_tokens: 60, temperature: 0, stream: true });
    let text = "";
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(text, BEFORE_LILY);
    assert.equal(finish, "stop");
  });

  test("the word stopper ends an answer that is not streamed the same way, counting its prompt", async () => {
    type Answer = { response: string; usage: { prompt_tokens: number; completion_tokens: number } };
    const result = await envelopeResult<Answer>(await run(server, { prompt: STORY_PROMPT, max_tokens: 60 }));
    assert.equal(result.response, BEFORE_LILY);
    // The stopping token was generated: it is counted, though not sent.
    assert.ok(result.usage.completion_tokens > 0 && result.usage.completion_tokens < 60);
    // Stopped before the engine's own count came, the prompt is still the model's: as for an answer not stopped (3 tokens, short of the word).
    const whole = await envelopeResult<Answer>(await run(server, { prompt: STORY_PROMPT, max_tokens: 3 }));
    assert.ok(whole.usage.prompt_tokens > 0);
    assert.equal(result.usage.prompt_tokens, whole.usage.prompt_tokens);
  });

  test("PII redaction: the model sees [email] and [phone], whatever the address and number", async () => {
    const ask = async (content: string) => client.chat.completions.create({ model: STORIES, messages: [{ role: "user", content }], max_tokens: 20, temperature: 0 });
    const redacted = await ask("Mail [email] or call [phone] today");
    for (const content of ["Mail bob@example.com or call +1 415 555 0100 today", "Mail alice.o@test.example.org or call +44 20 7946 0958 today"]) {
      const answer = await ask(content);
      assert.equal(answer.choices[0]?.message.content, redacted.choices[0]?.message.content);
      assert.deepEqual(answer.usage, redacted.usage, "the same prompt tokens: the same prompt reached the model");
    }
    assert.deepEqual(await pluginMetrics(server), []);
  });
});

describe("a plugin's hooks see, refuse, rename and record requests", () => {
  let server: TestServer;
  let dir: string;
  const audit = () => readFileSync(join(dir, "audit.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
  /** The audit log once `done` holds for it: observing hooks are not awaited, so their lines come a little after the answer. */
  const auditWhen = async (done: (entries: any[]) => boolean) => {
    for (let i = 0; i < 100; i++) {
      const entries = existsSync(join(dir, "audit.jsonl")) ? audit() : [];
      if (done(entries)) return entries;
      await new Promise((r) => setTimeout(r, 50));
    }
    return audit();
  };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "outpost-audit-"));
    server = await startServer({ plugin: AUDIT }, { AUDIT_LOG: join(dir, "audit.jsonl") });
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("onRequest refuses with an Outpost error on both surfaces; the next request is served", async () => {
    await envelopeError(await run(server, { prompt: "something forbidden" }), 403, 10000, "This prompt is not allowed here");
    await openAiError(await post(`${server.url}/v1/completions`, { model: STORIES, prompt: "forbidden", max_tokens: 4 }), 403, "forbidden", /not allowed here/);
    await envelopeResult(await run(server, { prompt: STORY_PROMPT }));
  });

  test("onRequest renames the model; onResponse, then onUsage, see the answer and the metadata", async () => {
    const result = await envelopeResult<{ response: string; usage: unknown }>(await run(server, { prompt: STORY_PROMPT }, TINYSTORIES_656K));
    const entries = (await auditWhen((all) => all.filter((entry) => entry.ctx.metadata.renamed).length >= 2)).filter((entry) => entry.ctx.metadata.renamed);
    assert.deepEqual(entries.map((entry) => entry.hook), ["onResponse", "onUsage"]);
    const [response, usage] = entries;
    assert.equal(response.ctx.model, STORIES);
    assert.equal(response.ctx.task, "text-generation");
    assert.equal(response.ctx.account, "local");
    assert.deepEqual(response.result, { kind: "json", value: result });
    assert.deepEqual(usage.usage, result.usage);
    assert.equal(usage.ctx.requestId, response.ctx.requestId);
  });

  test("a stream's onResponse has its whole text; onError sees a failure's code", async () => {
    const text = await bodyText(await run(server, { prompt: STORY_PROMPT, stream: true }));
    const streamed = [...text.matchAll(/"response":"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`)).join("");
    await envelopeError(await run(server, { prompt: "x", max_tokens: 0 }), 400, 1001);
    const entries = await auditWhen((all) => all.some((entry) => entry.hook === "onError"));
    const streamEntry = entries.find((entry) => entry.hook === "onResponse" && entry.result.kind === "events");
    assert.equal(streamEntry?.result.text, streamed);
    assert.equal(streamEntry?.result.finishReason, "length");
    const error = entries.find((entry) => entry.hook === "onError");
    assert.equal(error?.error.code, "INPUT_INVALID");
  });
});

describe("hostile plugins cannot take the server down or stall the next request", () => {
  // Generous for a loaded CI machine, where a benign hop can take tens of ms.
  const flags = { "hook-timeout-ms": "1000", "plugin-memory-mb": "32" };

  test("fail open: each misbehaviour in onRequest and onToken is skipped, and the next request is served", async () => {
    const server = await startServer({ plugin: HOSTILE, ...flags });
    try {
      const baseline = await envelopeResult<{ response: string }>(await run(server, { prompt: STORY_PROMPT }));
      // Throws and hangs first: until a thread is replaced, each reason is certain.
      for (const mode of ["throw", "hang", "spin", "allocate", "exit"]) {
        for (const hook of ["onRequest", "onToken"]) {
          const started = performance.now();
          const hostile = await envelopeResult<{ response: string }>(await run(server, { prompt: `HOSTILE:${mode}@${hook} ${STORY_PROMPT}` }));
          assert.ok(hostile.response.length > 0, `${mode}@${hook}`);
          const next = await envelopeResult<{ response: string }>(await run(server, { prompt: STORY_PROMPT }));
          assert.equal(next.response, baseline.response, `after ${mode}@${hook}`);
          // Bounded by the hook time limit (a hang, a spin's probe), not by the plugin.
          assert.ok(performance.now() - started < 10_000, `${mode}@${hook} took ${performance.now() - started} ms`);
          // A replaced thread's successor starts no sooner than a second after it (RESTART_BACKOFF_MS); calls meanwhile skip the plugin.
          if (["spin", "allocate", "exit"].includes(mode)) await new Promise((r) => setTimeout(r, 1_100));
        }
      }
      const metrics = (await pluginMetrics(server)).join("\n");
      for (const reason of ["threw", "timeout", "crashed"]) assert.match(metrics, new RegExp(`hook="onToken",reason="${reason}"`));
      assert.match(metrics, /hook="onRequest",reason="threw"/);
      const restarts = Number(/outpost_plugin_restarts_total\{plugin="hostile-plugin.mjs"\} (\d+)/.exec(metrics)?.[1]);
      assert.ok(restarts >= 6, `spin, allocate and exit restart the thread in each hook: ${restarts}`);
      assert.match(server.output(), /plugin .*hostile-plugin\.mjs: onRequest threw: a bug in the plugin/);
      assert.equal(server.process.exitCode, null);
    } finally {
      await server.stop();
    }
  });

  test("fail closed: a failing hook fails its request with 502 on each surface; the next request is served", async () => {
    const server = await startServer({ plugin: `${HOSTILE}=closed`, ...flags });
    try {
      for (const mode of ["throw", "exit"]) {
        await envelopeError(await run(server, { prompt: `HOSTILE:${mode}@onRequest` }), 502, 3000, /^Plugin hostile-plugin\.mjs failed in onRequest/);
        await envelopeResult(await run(server, { prompt: STORY_PROMPT }));
      }
      await openAiError(await post(`${server.url}/v1/completions`, { model: STORIES, prompt: "HOSTILE:throw@onToken", max_tokens: 4, stream: true }), 502, "hook_failed", /failed in onToken \(threw\)/);
      await envelopeResult(await run(server, { prompt: STORY_PROMPT }));
    } finally {
      await server.stop();
    }
  });

  test("a plugin that cannot be loaded stops the start, naming the file", async () => {
    await assert.rejects(startServer({ plugin: "test/e2e/fixtures/no-such-plugin.mjs" }), /server exited with 1:[\s\S]*no-such-plugin\.mjs/);
  });
});
