import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import type { GenerationInputs } from "../api.js";
import { imageSnippet, requestSnippet, shellQuote } from "./snippets.js";

const inputs: GenerationInputs = {
  messages: [
    { role: "system", content: "It's a \"story\" $HOME `x`" },
    { role: "user", content: "Once upon a time\nthere" },
  ],
  stream: true,
  temperature: 0,
  max_tokens: 32,
  seed: 7,
};
const origin = "http://127.0.0.1:8787";
const MODEL = "@cf/karpathy/tinyllamas-stories-260k";

test("shell quoting survives quotes, dollars, backticks and newlines", () => {
  for (const text of ["plain", "it's", "$HOME `id` \"q\"", "a\nb", "''"]) {
    assert.equal(execFileSync("sh", ["-c", `printf %s ${shellQuote(text)}`], { encoding: "utf8" }), text);
  }
});

test("the curl snippet posts the exact body to the pane's model", () => {
  const snippet = requestSnippet("curl", origin, MODEL, inputs);
  // Run the snippet through a shell with curl replaced by a function that prints its arguments.
  const args = execFileSync("sh", ["-c", `curl() { for a in "$@"; do printf '%s\\0' "$a"; done; }\n${snippet}`], { encoding: "utf8" }).split("\0").slice(0, -1);
  assert.deepEqual(args, ["-N", `${origin}/ai/run/${MODEL}`, "-H", "content-type: application/json", "-d", JSON.stringify(inputs)]);
});

test("the env.AI snippet is a Worker whose run() gets the model and inputs", async () => {
  const snippet = requestSnippet("binding", origin, MODEL, inputs);
  const url = `data:text/javascript,${encodeURIComponent(snippet)}`;
  const worker = (await import(url)).default as { fetch(request: Request, env: unknown): Promise<Response> };
  const calls: unknown[] = [];
  const env = { AI: { run: async (...args: unknown[]) => (calls.push(args), "data: [DONE]\n\n") } };
  const response = await worker.fetch(new Request(origin), env);
  assert.deepEqual(calls, [[MODEL, inputs]]);
  assert.equal(response.headers.get("content-type"), "text/event-stream");
});

test("the OpenAI snippet creates a chat completion with the same fields at the server's /v1", () => {
  const snippet = requestSnippet("openai", origin, MODEL, inputs);
  assert.match(snippet, /baseURL: "http:\/\/127\.0\.0\.1:8787\/v1"/);
  const body = /create\((\{[\s\S]*\})\);/.exec(snippet)?.[1];
  assert.deepEqual(JSON.parse(body ?? ""), { model: MODEL, ...inputs });
});

test("the image curl snippet asks for the PNG itself, not the progress stream, and saves it", () => {
  const snippet = imageSnippet("curl", origin, "@outpost/sd-tiny-standin", { prompt: "it's a \"cat\"", width: 256, seed: 3, stream: true });
  const args = execFileSync("sh", ["-c", `curl() { for a in "$@"; do printf '%s\\0' "$a"; done; }\n${snippet}`], { encoding: "utf8" }).split("\0").slice(0, -1);
  assert.deepEqual(args, [`${origin}/ai/run/@outpost/sd-tiny-standin`, "-H", "content-type: application/json", "-d", JSON.stringify({ prompt: "it's a \"cat\"", width: 256, seed: 3 }), "-o", "outpost.png"]);
});
