import { test } from "node:test";
import assert from "node:assert/strict";

import { CHAT_TEMPLATES } from "../tasks/index.js";
import { MODELS } from "./models.js";

const ALLOWED_TEMPLATES = new Set(Object.keys(CHAT_TEMPLATES));

/** Workers AI ids (`@cf/author/name`, `@hf/…`), and Outpost's own models (`@outpost/name`). */
const ID_PATTERN = /^(@(cf|hf)\/[a-z0-9-]+\/[a-z0-9._-]+|@outpost\/[a-z0-9._-]+)$/i;

test("model ids are unique", () => {
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const m of MODELS) {
    if (seen.has(m.id)) duplicates.push(m.id);
    seen.add(m.id);
  }
  assert.deepEqual(duplicates, []);
});

test("every id looks like a Workers AI id", () => {
  const bad = MODELS.filter((m) => !ID_PATTERN.test(m.id)).map((m) => m.id);
  assert.deepEqual(bad, []);
});

test("text-generation entries default to 256 tokens and use a known chat template", () => {
  const textGen = MODELS.filter((m) => m.task === "text-generation");
  assert.ok(textGen.length > 0);
  for (const m of textGen) {
    assert.equal(m.maxTokensDefault, 256, `${m.id} maxTokensDefault`);
    assert.ok(ALLOWED_TEMPLATES.has(m.chatTemplate ?? ""), `${m.id} has unknown chatTemplate ${m.chatTemplate}`);
    assert.ok((m.maxTokensStreamDefault ?? 0) > 0, `${m.id} maxTokensStreamDefault`);
    assert.ok((m.contextTokens ?? 0) > 0, `${m.id} contextTokens`);
  }
});

test("only text-generation entries carry chat templates and max_tokens defaults", () => {
  const stray = MODELS.filter((m) => m.task !== "text-generation" && (m.chatTemplate ?? m.maxTokensDefault ?? m.maxTokensStreamDefault) !== undefined);
  assert.deepEqual(stray.map((m) => m.id), []);
});

test("artifact hashes are 64 hex characters when present", () => {
  for (const m of MODELS) {
    const sha = m.artifact?.sha256;
    if (sha !== undefined) assert.match(sha, /^[0-9a-f]{64}$/, `${m.id} sha256`);
  }
});

test("artifacts name a source, and the file name matches the upstream file", () => {
  for (const m of MODELS) {
    const a = m.artifact;
    if (!a) continue;
    // Stand-ins exist only in ../shared/models/standins, which the store reads as a mirror.
    assert.ok(a.huggingFace || a.url || m.properties.standin === true, `${m.id} artifact has no source`);
    if (a.huggingFace && !a.files) {
      const base = a.huggingFace.path.split("/").pop();
      // The existing TinyStories-656K fixture renames its file; every other artifact keeps the upstream name
      // (a multi-file artifact names its mirror folder instead).
      if (m.id !== "@cf/raincandy-u/tinystories-656k" && !a.files) assert.equal(a.fileName, base, `${m.id} fileName`);
      if (a.huggingFace.revision !== undefined) assert.match(a.huggingFace.revision, /^[0-9a-f]{40}$/, `${m.id} revision`);
    }
    if (a.sizeBytes !== undefined) assert.ok(Number.isInteger(a.sizeBytes) && a.sizeBytes > 0, `${m.id} sizeBytes`);
  }
});

test("one artifact file name never maps to two different files", () => {
  const byName = new Map<string, string>();
  for (const m of MODELS) {
    const a = m.artifact;
    if (!a) continue;
    const key = JSON.stringify([a.huggingFace?.repo, a.huggingFace?.path, a.huggingFace?.revision, a.url, a.sha256]);
    const prev = byName.get(a.fileName);
    if (prev !== undefined) assert.equal(key, prev, `${a.fileName} is used for different files`);
    else byName.set(a.fileName, key);
  }
});

test("every text-embeddings entry declares its output dimensions", () => {
  const embeddings = MODELS.filter((m) => m.task === "text-embeddings");
  assert.ok(embeddings.length > 0);
  for (const m of embeddings) {
    assert.ok(typeof m.embeddingDimensions === "number" && m.embeddingDimensions > 0, `${m.id} embeddingDimensions`);
    const declared = m.properties["output_dimensions"];
    if (declared !== undefined) assert.equal(declared, m.embeddingDimensions, `${m.id} output_dimensions`);
  }
});

test("the launch models are present with their tasks", () => {
  const launch: Array<[string, string]> = [
    ["@cf/meta/llama-2-7b-chat-int8", "text-generation"],
    ["@cf/openai/whisper", "speech-recognition"],
    ["@cf/meta/m2m100-1.2b", "translation"],
    ["@cf/huggingface/distilbert-sst-2-int8", "text-classification"],
    ["@cf/microsoft/resnet-50", "image-classification"],
    ["@cf/baai/bge-base-en-v1.5", "text-embeddings"],
  ];
  for (const [id, task] of launch) {
    const m = MODELS.find((x) => x.id === id);
    assert.ok(m, `${id} missing`);
    assert.equal(m.task, task, `${id} task`);
  }
});

test("native function calling is marked as Workers AI marks it, on models with a tool format of their own", () => {
  const marked = MODELS.filter((m) => m.properties.function_calling === true).map((m) => [m.id, m.chatTemplate]);
  assert.deepEqual(marked, [["@hf/nousresearch/hermes-2-pro-mistral-7b", "hermes2-pro"]]);
});

test("the fixture models stay first", () => {
  assert.deepEqual(
    MODELS.slice(0, 3).map((m) => m.id),
    [
      "@cf/karpathy/tinyllamas-stories-260k",
      "@cf/karpathy/tinyllamas-stories-260k-embeddings",
      "@cf/raincandy-u/tinystories-656k",
    ],
  );
});

test("llama-engine text models all carry a runnable artifact", () => {
  for (const m of MODELS) {
    if (m.engine === "llama" && (m.task === "text-generation" || m.task === "text-embeddings")) {
      assert.ok(m.artifact, `${m.id} has no artifact`);
    }
  }
});
