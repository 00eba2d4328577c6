import assert from "node:assert/strict";
import { test } from "node:test";
import { boundNumbers, JsonEnd, unwritableJsonCharacter } from "./grammar.js";

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

test("a vocabulary without a way to write a JSON character is found out; byte fallback counts", () => {
  assert.equal(unwritableJsonCharacter(["a", "{", "}", "[", "]", '"', ":", ",", "0"]), undefined);
  assert.equal(unwritableJsonCharacter(["a", "}", "[", "]", '"', ":", ",", "0"]), "{");
  assert.equal(unwritableJsonCharacter(["<0x7B>", "}", "[]", "]", '"a', ":", ",", "01"]), undefined);
});

test("numbers are bounded to 15 digits without an exponent", () => {
  const generated = 'root ::= integer-number-rule\ninteger-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15}) ([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?\nfractional-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? ("0" | [1-9] [0-9]{0,15}))?';
  assert.equal(
    boundNumbers(generated),
    'root ::= integer-number-rule\ninteger-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,14})\nfractional-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,14}) ("." [0-9]{1,16})?',
  );
});
