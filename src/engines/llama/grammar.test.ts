import assert from "node:assert/strict";
import { test } from "node:test";
import { JsonEnd } from "./grammar.js";

const endsAt = (chunks: string[]) => {
  const end = new JsonEnd();
  return chunks.findIndex((chunk) => end.push(chunk));
};

test("JsonEnd stops at the close of the top-level value, not at nested or quoted brackets", () => {
  assert.equal(endsAt(["{", '"a": "}', '\\"]"', ', "b": [1, {"c": 2}]', "}", "\n"]), 4);
  assert.equal(endsAt(["[", "[]", "]"]), 2);
  assert.equal(endsAt(['"x\\"', 'y"']), 1);
  assert.equal(endsAt(["-1", "2", "\n"]), 2);
  assert.equal(endsAt(["{", '"a": 1']), -1);
});
