import assert from "node:assert/strict";
import { test } from "node:test";
import type { ModelDescriptor } from "../contract/index.js";
import { textGeneration } from "./text-generation.js";

const llama2: ModelDescriptor = {
  id: "@cf/meta/llama-2-7b-chat-int8",
  task: "text-generation",
  engine: "llama",
  chatTemplate: "llama2",
  contextTokens: 4096,
  maxTokensDefault: 256,
  maxTokensStreamDefault: 1800,
  systemPrompt: "Be kind.",
};

const text = (job: ReturnType<typeof textGeneration.prepare>["job"]) => (job.kind === "generate" ? job.prompt.map((p) => p.text).join("") : "");

test("a plain prompt gets the model's default system prompt, as Workers AI did", () => {
  const { job } = textGeneration.prepare({ prompt: "Hi" }, llama2);
  assert.match(text(job), /<<SYS>>\nBe kind\.\n<<\/SYS>>\n\nHi/);
});

test("messages and raw prompts never get the default system prompt", () => {
  assert.doesNotMatch(text(textGeneration.prepare({ messages: [{ role: "user", content: "Hi" }] }, llama2).job), /Be kind/);
  assert.equal(text(textGeneration.prepare({ prompt: "[INST] Hi [/INST]", raw: true }, llama2).job), "[INST] Hi [/INST]");
});

test("streamed and plain requests take their own max_tokens defaults", () => {
  const plain = textGeneration.prepare({ prompt: "Hi" }, llama2).job;
  const streamed = textGeneration.prepare({ prompt: "Hi", stream: true }, llama2).job;
  assert.equal(plain.kind === "generate" && plain.sampling.maxTokens, 256);
  assert.equal(streamed.kind === "generate" && streamed.sampling.maxTokens, 1800);
});
