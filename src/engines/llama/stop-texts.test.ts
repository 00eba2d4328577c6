import assert from "node:assert/strict";
import { test } from "node:test";
import { StopTexts } from "./stop-texts.js";

const run = (pieces: string[]) => {
  const stops = new StopTexts(["<|end_story|>"]);
  const out = pieces.map((p) => stops.push(p)).join("") + stops.flush();
  return { out, stopped: stops.stopped };
};

test("an end text in one piece or spelled in pieces ends the text, and is never emitted", () => {
  assert.deepEqual(run(["The end.", "<|end_story|>", "More"]), { out: "The end.", stopped: true });
  assert.deepEqual(run(["The end.<", "|", "end", "_story", "|>", " more"]), { out: "The end.", stopped: true });
});

test("text that only looks like the start of an end text is emitted once it is decided", () => {
  assert.deepEqual(run(["a <", "b", " <|x"]), { out: "a <b <|x", stopped: false });
});
