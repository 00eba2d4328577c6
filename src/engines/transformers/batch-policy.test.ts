import assert from "node:assert/strict";
import { test } from "node:test";
import { batchLength, MAX_BATCH_JOBS, MAX_BATCH_PADDED_CHARS, RERANK_BATCH } from "./batch-policy.js";
import type { TransformersJob } from "./job.js";

const classify = (chars = 10): TransformersJob => ({ kind: "classify", text: "x".repeat(chars), field: "/text" });
const rerank = (contexts: number): TransformersJob => ({ kind: "rerank", query: "q", contexts: Array.from({ length: contexts }, () => "c"), topK: contexts });
const image: TransformersJob = { kind: "classify-image", image: "", topK: 5, field: "/image" };
const translate: TransformersJob = { kind: "translate", text: "t", sourceLang: "en", targetLang: "fr", maxNewTokens: 8, field: "/text" };

test("the waiting jobs of a batched kind share a call, up to the most jobs a batch holds", () => {
  assert.equal(batchLength([]), 0);
  assert.equal(batchLength([classify(), classify(), classify()]), 3);
  assert.equal(batchLength([image, image]), 2);
  assert.equal(batchLength(Array.from({ length: MAX_BATCH_JOBS + 3 }, () => image)), MAX_BATCH_JOBS);
});

test("generation runs alone, and a job of another kind ends the batch in FIFO order", () => {
  assert.equal(batchLength([translate, translate]), 1);
  assert.equal(batchLength([classify(), classify(), translate, classify()]), 2);
  assert.equal(batchLength([image, classify(), image]), 1);
});

test("rerank jobs are merged while their pairs fit one forward; one larger job runs alone", () => {
  assert.equal(batchLength([rerank(4), rerank(4), rerank(4), rerank(4), rerank(4)]), RERANK_BATCH / 4);
  assert.equal(batchLength([rerank(RERANK_BATCH + 1), rerank(1)]), 1);
  assert.equal(batchLength([rerank(1), rerank(RERANK_BATCH)]), 1);
});

test("texts padded to the longest stay within the batch's character bound", () => {
  const long = MAX_BATCH_PADDED_CHARS / 4;
  assert.equal(batchLength([classify(), classify(long), classify(), classify(), classify()]), 4);
  assert.equal(batchLength([classify(MAX_BATCH_PADDED_CHARS), classify()]), 1);
});
