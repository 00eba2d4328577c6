import assert from "node:assert/strict";
import { test } from "node:test";
import { didYouMean, editDistance } from "./suggest.js";

test("edit distance counts insertions, deletions and substitutions", () => {
  assert.deepEqual([editDistance("", "abc"), editDistance("serv", "serve"), editDistance("modles", "models"), editDistance("same", "same")], [3, 1, 2, 0]);
});

test("typos of commands and model ids find the intended one; far-off words find nothing", () => {
  const commands = ["serve", "run", "models", "pull", "rm", "workers"];
  assert.equal(didYouMean("serv", commands), "serve");
  assert.equal(didYouMean("modles", commands), "models");
  assert.equal(didYouMean("banana", commands), undefined);
  const ids = ["@cf/karpathy/tinyllamas-stories-260k", "@cf/raincandy-u/tinystories-656k"];
  assert.equal(didYouMean("tinyllamas-stories-26k", ids), ids[0]);
  assert.equal(didYouMean("@cf/karpathy/tinyllamas-stories-26k", ids), ids[0]);
  assert.equal(didYouMean("@cf/no/such-model", ids), undefined);
});
