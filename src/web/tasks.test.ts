import assert from "node:assert/strict";
import { test } from "node:test";
import { toDetections, toLabels, toRanking, toSpeech, toTranscript } from "./tasks.js";

test("answers of the expected shape pass through, keeping only the fields the pages show", () => {
  assert.deepEqual(toTranscript({ text: "hi there", word_count: 2, words: [{ word: "hi", start: 0, end: 0.4, extra: 1 }], vtt: "WEBVTT\n" }), {
    text: "hi there",
    words: [{ word: "hi", start: 0, end: 0.4 }],
    vtt: "WEBVTT\n",
  });
  assert.deepEqual(toLabels([{ label: "POSITIVE", score: 0.7 }]), [{ label: "POSITIVE", score: 0.7 }]);
  assert.deepEqual(toDetections([{ label: "person", score: 0.9, box: { xmin: 1, ymin: 2, xmax: 3, ymax: 4 } }]), [{ label: "person", score: 0.9, box: { xmin: 1, ymin: 2, xmax: 3, ymax: 4 } }]);
  assert.deepEqual(toRanking({ response: [{ id: 1, score: 0.5 }, { id: 0, score: 0.2 }] }, 2), [
    { id: 1, score: 0.5 },
    { id: 0, score: 0.2 },
  ]);
  assert.deepEqual([...toSpeech({ audio: btoa("ID3") })], [0x49, 0x44, 0x33]);
});

test("an answer of any other shape is refused with a message, not shown", () => {
  assert.throws(() => toTranscript({ text: "x", words: [{ word: "x", start: "0", end: 1 }] }), /not a transcript with words/);
  assert.throws(() => toLabels([{ label: "<b>", score: Number.NaN }]), /not a list of \{label, score\}/);
  assert.throws(() => toDetections([{ label: "cat", score: 1, box: { xmin: 0, ymin: 0, xmax: 1 } }]), /\{label, score, box\}/);
  assert.throws(() => toRanking({ response: [{ id: 2, score: 1 }] }, 2), /for the contexts sent/);
  assert.throws(() => toSpeech({ audio: "not base64!" }), /\{audio: base64\}/);
  assert.throws(() => toSpeech({ audio: "" }), /\{audio: base64\}/);
});
