import assert from "node:assert/strict";
import { test } from "node:test";
import type { LocalModel, SearchItem } from "../api.js";
import { describeProperty, filterModels, fromSearchItem, tasksOf } from "./filter.js";

const item = (name: string, task: string, description: string, properties: SearchItem["properties"] = []): SearchItem => ({ name, description, task: { id: task, name: task, description: "" }, properties });
const models = [
  item("@cf/karpathy/tinyllamas-stories-260k", "Text Generation", "Tiny TinyStories model", [{ property_id: "context_window", value: 512 }]),
  item("@cf/karpathy/tinyllamas-stories-260k-embeddings", "Text Embeddings", "Embeddings from the same model"),
  item("@cf/meta/llama-2-7b-chat-int8", "Text Generation", "Meta Llama 2 chat"),
  item("@cf/openai/whisper", "Automatic Speech Recognition", "Speech to text"),
].map(fromSearchItem);
const local = new Map<string, LocalModel>([["@cf/karpathy/tinyllamas-stories-260k", { model: "@cf/karpathy/tinyllamas-stories-260k", location: "mirror", sizeBytes: 1 }]]);
const names = (filter: Partial<Parameters<typeof filterModels>[1]>, l: typeof local | "no store API" = local) =>
  filterModels(models, { search: "", task: "", localOnly: false, ...filter }, l === "no store API" ? undefined : l).map((m) => m.name.split("/")[2]);

test("search items flatten their properties and tasks list once, sorted", () => {
  assert.deepEqual(models[0]?.properties, { context_window: 512 });
  assert.deepEqual(tasksOf(models), ["Automatic Speech Recognition", "Text Embeddings", "Text Generation"]);
});

test("every search word must match the name, description or task, in any case", () => {
  assert.deepEqual(names({ search: "STORIES" }), ["tinyllamas-stories-260k", "tinyllamas-stories-260k-embeddings"]);
  assert.deepEqual(names({ search: "stories generation" }), ["tinyllamas-stories-260k"]);
  assert.deepEqual(names({ search: "llama chat" }), ["llama-2-7b-chat-int8"]);
  assert.deepEqual(names({ search: "nothing-like-this" }), []);
});

test("task and local filters narrow the list; without a store API nothing is local", () => {
  assert.deepEqual(names({ task: "Text Generation" }), ["tinyllamas-stories-260k", "llama-2-7b-chat-int8"]);
  assert.deepEqual(names({ localOnly: true }), ["tinyllamas-stories-260k"]);
  assert.deepEqual(names({ localOnly: true }, "no store API"), []);
});

test("properties read as labels and plain values", () => {
  assert.deepEqual(describeProperty("context_window", 32768), { label: "Context window", value: "32,768" });
  assert.deepEqual(describeProperty("beta", true), { label: "Beta", value: "yes" });
  assert.deepEqual(describeProperty("terms", "https://example.com/t"), { label: "Terms", value: "https://example.com/t" });
  assert.deepEqual(describeProperty("price", [{ unit: "per M tokens", price: 0.1 }]), { label: "Price", value: '[{"unit":"per M tokens","price":0.1}]' });
});
