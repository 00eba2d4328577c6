import assert from "node:assert/strict";
import { test } from "node:test";
import type { LocalModel } from "./api.js";
import type { CatalogModel } from "./catalog/filter.js";
import { TEXT_CLASSIFICATION, TEXT_GENERATION, defaultModels, isReranker, pickerChoices } from "./models.js";

const model = (name: string, task = TEXT_GENERATION): CatalogModel => ({ name, task, description: "", properties: {} });
const catalog = [model("a"), model("e", "Text Embeddings"), model("b"), model("c")];
const local = new Map<string, LocalModel>([["c", { model: "c", location: "store", sizeBytes: 1 }]]);

test("choices keep the task's models, local ones first, in catalog order", () => {
  assert.deepEqual(pickerChoices({ catalog, local }, TEXT_GENERATION), { local: ["c"], other: ["a", "b"] });
  assert.deepEqual(pickerChoices({ catalog, local: undefined }, TEXT_GENERATION), { local: [], other: ["a", "b", "c"] });
});

test("default models take local ones first and repeat the first when short", () => {
  assert.deepEqual(defaultModels({ local: ["c"], other: ["a", "b"] }, 2), ["c", "a"]);
  assert.deepEqual(defaultModels({ local: [], other: ["a"] }, 2), ["a", "a"]);
  assert.deepEqual(defaultModels({ local: [], other: [] }, 1), [""]);
});

test("a model that is programs (nothing to pull) counts as local once the store API answers; accept narrows a task", () => {
  const speech: CatalogModel = { name: "@outpost/espeak-ng", task: "Text-to-Speech", description: "", properties: { programs: ["espeak-ng", "lame"] } };
  assert.deepEqual(pickerChoices({ catalog: [speech], local }, "Text-to-Speech"), { local: ["@outpost/espeak-ng"], other: [] });
  assert.deepEqual(pickerChoices({ catalog: [speech], local: undefined }, "Text-to-Speech"), { local: [], other: ["@outpost/espeak-ng"] });
  const texts = [model("@cf/huggingface/distilbert-sst-2-int8", TEXT_CLASSIFICATION), model("@cf/baai/bge-reranker-base", TEXT_CLASSIFICATION)];
  assert.deepEqual(pickerChoices({ catalog: texts, local }, TEXT_CLASSIFICATION, isReranker).other, ["@cf/baai/bge-reranker-base"]);
  assert.deepEqual(pickerChoices({ catalog: texts, local }, TEXT_CLASSIFICATION, (n) => !isReranker(n)).other, ["@cf/huggingface/distilbert-sst-2-int8"]);
});
