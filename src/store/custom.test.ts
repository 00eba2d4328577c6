import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OutpostError } from "../contract/index.js";
import { customEntry, customRecord, loadCustomModels, removeCustomModel, saveCustomModel } from "./custom.js";
import { StoreLayout } from "./layout.js";

const invalid = (fn: () => unknown, message?: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof OutpostError && e.code === "INPUT_INVALID" && (!message || message.test(e.message)));

test("a custom model record takes its file name from the source and defaults its template by task", () => {
  const local = customRecord({ name: "my-story", source: "models/story.gguf", task: "text-generation" }, "/srv");
  assert.equal(local.url, "file:///srv/models/story.gguf");
  assert.equal(local.fileName, "story.gguf");
  assert.equal(local.template, "gguf");
  assert.equal(local.contextTokens, 4096);
  const remote = customRecord({ name: "@me/embed", source: "https://example.com/x/embed.gguf?download=true", task: "text-embeddings", contextTokens: 512 }, "/");
  assert.equal(remote.fileName, "embed.gguf");
  assert.equal(remote.template, "bare");
  assert.equal(remote.contextTokens, 512);
  const entry = customEntry({ ...local, template: "chatml" });
  assert.equal(entry.id, "my-story");
  assert.equal(entry.engine, "llama");
  assert.equal(entry.chatTemplate, "chatml");
  assert.equal(entry.maxTokensDefault, 256);
  assert.equal(entry.custom, true);
});

test("bad names, sources, tasks and templates are refused", () => {
  const spec = { name: "ok", source: "/srv/x.gguf", task: "text-generation" };
  invalid(() => customRecord({ ...spec, name: "../escape" }, "/"), /Invalid model name/);
  invalid(() => customRecord({ ...spec, name: "/abs/name" }, "/"), /Invalid model name/);
  invalid(() => customRecord({ ...spec, source: "ftp://example.com/x.gguf" }, "/"), /scheme 'ftp:'/);
  invalid(() => customRecord({ ...spec, source: "http://example.com/x.gguf" }, "/"), /only https/);
  invalid(() => customRecord({ ...spec, source: "https://example.com/" }, "/"), /file name/);
  invalid(() => customRecord({ ...spec, task: "text-to-image" }, "/"), /--task must be one of text-generation, text-embeddings/);
  invalid(() => customRecord({ ...spec, template: "no-such-template" }, "/"), /Unknown chat template/);
});

test("custom models persist in the data dir, and a damaged file is reported, not ignored", async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), "outpost-custom-"));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const layout = new StoreLayout(dataDir);
  assert.deepEqual(loadCustomModels(layout), []);
  const a = customRecord({ name: "a", source: "/srv/a.gguf", task: "text-generation" }, "/");
  const b = customRecord({ name: "b", source: "/srv/b.gguf", task: "text-embeddings" }, "/");
  await saveCustomModel(layout, a);
  await saveCustomModel(layout, b);
  await saveCustomModel(layout, { ...a, template: "chatml" });
  assert.deepEqual(
    loadCustomModels(layout).map((r) => [r.name, r.template]),
    [
      ["b", "bare"],
      ["a", "chatml"],
    ],
  );
  assert.equal(await removeCustomModel(layout, "b"), true);
  assert.equal(await removeCustomModel(layout, "b"), false);
  assert.deepEqual(
    loadCustomModels(layout).map((r) => r.name),
    ["a"],
  );
  writeFileSync(layout.customModelsFile, JSON.stringify({ models: [{ ...a, name: "../../evil" }] }));
  assert.throws(() => loadCustomModels(layout), /Invalid model name/);
  writeFileSync(layout.customModelsFile, "{not json");
  assert.throws(() => loadCustomModels(layout), /custom-models\.json is not valid JSON/);
});
