import assert from "node:assert/strict";
import { test } from "node:test";
import { M2M100_LANGUAGES } from "../../tasks/languages.js";
import { M2M100_CODES, languageChoices } from "./languages.js";

test("the dashboard offers exactly the languages the server takes", () => {
  assert.deepEqual([...M2M100_CODES].sort(), [...M2M100_LANGUAGES].sort());
});

test("choices are named and sorted by name, each code once", () => {
  const choices = languageChoices();
  assert.equal(new Set(choices.map((c) => c.code)).size, 100);
  assert.deepEqual(
    choices.find((c) => c.code === "fr"),
    { code: "fr", name: "French (fr)" },
  );
  assert.deepEqual(
    choices.map((c) => c.name),
    choices.map((c) => c.name).sort((a, b) => a.localeCompare(b, "en")),
  );
});
