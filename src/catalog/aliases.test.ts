import assert from "node:assert/strict";
import { test } from "node:test";
import { ALIAS_PROPERTY, Catalog } from "./index.js";

const LLAMA = "@cf/meta/llama-2-7b-chat-int8";
const STORIES = "@cf/karpathy/tinyllamas-stories-260k";
const catalog = () => new Catalog(new Set(["llama"]));

test("an alias runs and describes as the model that serves it; lookups by id stay the catalog's", () => {
  const c = catalog();
  c.alias(LLAMA, STORIES);
  assert.equal(c.resolve(LLAMA), STORIES);
  assert.equal(c.resolve(STORIES), STORIES);
  assert.equal(c.describe(LLAMA).id, STORIES);
  assert.equal(c.describe(LLAMA).chatTemplate, "bare");
  assert.equal(c.runnable(LLAMA).id, STORIES);
  assert.equal(c.get(LLAMA).id, LLAMA, "the catalog entry itself is untouched (pull, rm, neurons)");
});

test("search marks an aliased id with the model that serves it, and lists new alias names", () => {
  const c = catalog();
  c.alias(LLAMA, STORIES);
  c.alias("@cf/acme/house-model", STORIES);
  const [llama] = c.search({ search: "llama-2-7b-chat-int8" });
  assert.equal(llama?.name, LLAMA);
  assert.deepEqual(llama?.properties.at(-1), { property_id: ALIAS_PROPERTY, value: STORIES });
  const [house] = c.search({ search: "house-model" });
  assert.equal(house?.name, "@cf/acme/house-model");
  assert.equal(house?.task.name, "Text Generation");
  assert.deepEqual(c.search({ search: STORIES }).map((m) => m.name).includes(STORIES), true);
  assert.equal(c.ids().at(-1), "@cf/acme/house-model");
});

test("aliases to unknown models, to aliases, to themselves or across tasks are refused", () => {
  const c = catalog();
  assert.throws(() => c.alias(LLAMA, "@cf/no/such"), /@cf\/no\/such is not a model of the catalog/);
  c.alias("@cf/acme/a", STORIES);
  assert.throws(() => c.alias("@cf/acme/b", "@cf/acme/a"), /not a model of the catalog/);
  assert.throws(() => c.alias(STORIES, STORIES), /cannot alias itself/);
  assert.throws(() => c.alias("@cf/baai/bge-base-en-v1.5", STORIES), /text-embeddings, .* is text-generation/);
});

test("with no per_page, search returns every match: env.AI.models() never drops models", () => {
  const c = catalog();
  const all = c.search();
  assert.equal(all.length, c.list().length);
  assert.equal(c.count(), all.length);
  assert.deepEqual(c.search({ per_page: 50, page: 2 }), all.slice(50, 100));
});
