import assert from "node:assert/strict";
import { resolve } from "node:path";
import { test } from "node:test";
import sharp from "sharp";
import { OutpostError, type ModelDescriptor, type TaskId } from "../../contract/index.js";
import { TransformersEngine } from "./transformers-engine.js";

const STANDINS = resolve(import.meta.dirname, "../../../../shared/models/standins");

function load(task: TaskId, folder: string, contextTokens = 0) {
  const model: ModelDescriptor = { id: `@test/${folder}`, task, engine: "transformers", chatTemplate: "bare", contextTokens, maxTokensDefault: 0, maxTokensStreamDefault: 0 };
  return new TransformersEngine().load({ model, path: resolve(STANDINS, folder), slots: 1, threads: 1 });
}

test("DETR boxes are pixels of the input, each with a COCO label, at threshold 0", async () => {
  await using model = await load("object-detection", "detr-tiny");
  const image = await sharp({ create: { width: 320, height: 240, channels: 3, background: "#336699" } }).png().toBuffer();
  const result = await model.run({ kind: "detect", image: image.toString("base64"), threshold: 0, field: "/image" }, new AbortController().signal);
  assert.equal(result.kind, "json");
  const boxes = (result as { value: { score: number; label: string; box: Record<string, number> }[] }).value;
  assert.ok(boxes.length > 0);
  for (const { score, label, box } of boxes) {
    assert.ok(score >= 0 && score <= 1);
    assert.notEqual(label, "N/A");
    assert.ok(box.xmin! >= 0 && box.xmin! <= box.xmax! && box.xmax! <= 320 && box.ymin! >= 0 && box.ymin! <= box.ymax! && box.ymax! <= 240);
  }
});

test("an aborted job ends with ABORTED and the model serves the next", async () => {
  await using model = await load("translation", "m2m100-tiny", 1024);
  const job = { kind: "translate", text: "Hello world", sourceLang: "en", targetLang: "fr", maxNewTokens: 8, field: "/text" };
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(model.run(job, aborted.signal), (e: unknown) => e instanceof OutpostError && e.code === "ABORTED");
  const result = await model.run(job, new AbortController().signal);
  assert.equal(typeof (result as { value: { translated_text: string } }).value.translated_text, "string");
});

test("a caption is greedy unless sampled, and one aborted mid-generation ends with ABORTED", async () => {
  await using model = await load("image-to-text", "vit-gpt2-tiny");
  const image = (await sharp({ create: { width: 64, height: 48, channels: 3, background: "#336699" } }).png().toBuffer()).toString("base64");
  const job = { kind: "caption", image, maxNewTokens: 6, field: "/image" };
  const first = await model.run(job, new AbortController().signal);
  assert.deepEqual(await model.run(job, new AbortController().signal), first);
  assert.equal(typeof (first as { value: { description: string } }).value.description, "string");
  const sampled = await model.run({ ...job, sampling: { temperature: 1, topP: 2 } }, new AbortController().signal);
  assert.equal(typeof (sampled as { value: { description: string } }).value.description, "string");
  const aborted = new AbortController();
  const long = model.run({ ...job, maxNewTokens: 400 }, aborted.signal);
  setTimeout(() => aborted.abort(), 20);
  await assert.rejects(long, (e: unknown) => e instanceof OutpostError && e.code === "ABORTED");
});
