import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { postJson, REPO_ROOT, startServer, STORIES, STORIES_EMBEDDINGS, type TestServer } from "../helpers/server.js";
import { startWrangler, workersInit, WRANGLER_SHIM, type WranglerDev } from "../helpers/wrangler.js";

/**
 * The examples as shipped (their own wrangler.toml, binding outpost-ai), with their model ids
 * swapped for the tiny models through --var, as a user without the 7B files would run them.
 */
let outpost: TestServer;
let project: string;

before(async () => {
  outpost = await startServer();
  project = mkdtempSync(join(tmpdir(), "outpost-examples-"));
  workersInit(project, outpost);
});
after(async () => {
  await outpost?.stop();
  if (project) rmSync(project, { recursive: true, force: true });
});

function startExample(name: string, vars: Record<string, string>): Promise<WranglerDev> {
  const args = ["-c", join(REPO_ROOT, "examples", name, "wrangler.toml"), "-c", join(project, "outpost-ai/wrangler.toml")];
  for (const [key, value] of Object.entries(vars)) args.push("--var", `${key}:${value}`);
  return startWrangler(WRANGLER_SHIM, args);
}

interface StreamEvent {
  response: string;
  usage?: { prompt_tokens: number };
}

/** Parses an SSE body, asserting the Workers AI shape: data lines, a final usage event, [DONE]. */
function parseSse(body: string): StreamEvent[] {
  assert.ok(body.endsWith("data: [DONE]\n\n"), body);
  const events = body.split("\n\n").filter((chunk) => chunk && chunk !== "data: [DONE]").map((chunk) => {
    assert.match(chunk, /^data: /);
    return JSON.parse(chunk.slice("data: ".length)) as StreamEvent;
  });
  assert.ok(events.length >= 2, body);
  assert.ok(events.at(-1)?.usage, "the last event carries usage");
  return events;
}

/** Prompt tokens Outpost counts for these messages: proof of what the Worker actually sent. */
async function promptTokens(messages: { role: string; content: string }[]): Promise<number> {
  const res = await postJson(`${outpost.url}/ai/run/${STORIES}`, { messages, max_tokens: 1 });
  return ((await res.json()) as { result: { usage: { prompt_tokens: number } } }).result.usage.prompt_tokens;
}

describe("examples/streaming-text", () => {
  let dev: WranglerDev;
  before(async () => (dev = await startExample("streaming-text", { MODEL: STORIES })));
  after(() => dev?.stop());

  test("streams the model's SSE as the response, for the docs' messages", async () => {
    const res = await fetch(dev.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    const events = parseSse(await res.text());
    const expected = await promptTokens([
      { role: "system", content: "You are a friendly assistant" },
      { role: "user", content: "What is the origin of the phrase Hello, World" },
    ]);
    assert.equal(events.at(-1)?.usage?.prompt_tokens, expected);
  });
});

describe("examples/side-by-side-chat", () => {
  let dev: WranglerDev;
  before(async () => (dev = await startExample("side-by-side-chat", { MISTRAL_MODEL: STORIES, LLAMA_MODEL: STORIES })));
  after(() => dev?.stop());

  const chat = (side: string, system: string, messages: unknown[]) => postJson(`${dev.url}/api/chat`, { side, system, messages });

  test("the page has a pane per model, each with its own system prompt", async () => {
    const res = await fetch(dev.url);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.equal(html.match(/<textarea name="system"/g)?.length, 2);
    assert.match(html, /Mistral 7B Instruct <small>@cf\/karpathy\/tinyllamas-stories-260k<\/small>/);
    assert.match(html, /Llama 2 7B Chat <small>@cf\/karpathy\/tinyllamas-stories-260k<\/small>/);
  });

  test("each side streams its answer under the system prompt it was given", async () => {
    const question = { role: "user", content: "Tell me a story about a cat." };
    for (const [side, system] of [["mistral", "Be brief."], ["llama", "You are a storyteller who loves long and happy endings."]] as const) {
      const res = await chat(side, system, [question]);
      assert.equal(res.status, 200, side);
      const events = parseSse(await res.text());
      assert.equal(events.at(-1)?.usage?.prompt_tokens, await promptTokens([{ role: "system", content: system }, question]), side);
    }
  });

  test("an unknown side is refused", async () => {
    const res = await chat("gpt", "x", []);
    assert.equal(res.status, 400);
  });
});

describe("examples/embeddings-search", () => {
  let dev: WranglerDev;
  before(async () => (dev = await startExample("embeddings-search", { EMBEDDINGS_MODEL: STORIES_EMBEDDINGS })));
  after(() => dev?.stop());

  test("ranks the corpus by cosine similarity; a corpus sentence finds itself first", async () => {
    const query = "Workers run JavaScript at the edge, close to users.";
    const res = await fetch(`${dev.url}/search?q=${encodeURIComponent(query)}&top=8`);
    assert.equal(res.status, 200);
    const { results } = (await res.json()) as { results: { text: string; score: number }[] };
    assert.equal(results.length, 8);
    assert.equal(results[0]?.text, query);
    assert.ok((results[0]?.score ?? 0) > 0.999, JSON.stringify(results[0]));
    const scores = results.map((r) => r.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
  });

  test("top limits the results", async () => {
    const res = await fetch(`${dev.url}/search?q=bread&top=2`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { results: unknown[] }).results.length, 2);
  });
});
