import assert from "node:assert/strict";
import { resolve } from "node:path";
import { test } from "node:test";
import { InferenceSession } from "onnxruntime-node";
import sharp from "sharp";
import { OutpostError, type ModelDescriptor, type TaskId } from "../../contract/index.js";
import { TransformersEngine } from "./transformers-engine.js";

const STANDINS = resolve(import.meta.dirname, "../../../../shared/models/standins");

function load(task: TaskId, folder: string, contextTokens = 0) {
  const model: ModelDescriptor = { id: `@test/${folder}`, task, engine: "transformers", chatTemplate: "bare", contextTokens, maxTokensDefault: 0, maxTokensStreamDefault: 0 };
  return new TransformersEngine().load({ model, path: resolve(STANDINS, folder), slots: 4, threads: 1 });
}

/**
 * Model forwards (session runs fed `input_ids` or `pixel_values`) during `during`; transformers.js
 * also runs small ORT graphs of its own (topk), which are not counted.
 */
async function forwards<T>(during: () => Promise<T>): Promise<{ count: number; value: T }> {
  const proto = (InferenceSession as unknown as { prototype: { run: (feeds: Record<string, unknown>, ...rest: unknown[]) => Promise<unknown> } }).prototype;
  const run = proto.run;
  let count = 0;
  proto.run = function (this: unknown, feeds, ...rest) {
    if ("input_ids" in feeds || "pixel_values" in feeds) count++;
    return run.call(this, feeds, ...rest);
  };
  try {
    const value = await during();
    return { count, value };
  } finally {
    proto.run = run;
  }
}

const signal = () => new AbortController().signal;
type Scored = { label?: string; id?: number; score: number }[];

/** Each job alone, one after another, then all at once: one forward, and the same answers within float error. */
async function assertBatchedAsAlone(model: Awaited<ReturnType<typeof load>>, jobs: object[], expectedForwards: number): Promise<void> {
  const alone: unknown[] = [];
  for (const job of jobs) alone.push(await model.run(job, signal()));
  const together = await forwards(() => Promise.all(jobs.map((job) => model.run(job, signal()))));
  assert.equal(together.count, expectedForwards);
  together.value.forEach((result, i) => {
    const got = (result as { value: Scored | { response: Scored } }).value as Scored;
    const want = (alone[i] as { value: Scored }).value;
    assert.deepEqual(got.map(({ label, id }) => label ?? id), want.map(({ label, id }) => label ?? id));
    got.forEach(({ score }, k) => assert.ok(Math.abs(score - want[k]!.score) <= 1e-6, `job ${i}, rank ${k}: ${score} against ${want[k]!.score} alone`));
  });
}

test("texts of different lengths waiting together are classified in one forward, each as it is alone", async () => {
  await using model = await load("text-classification", "distilbert-sst2-tiny", 512);
  const texts = ["short", "What a wonderful day in the garden.", "a much longer text, padded to by the others ".repeat(8), "ok then"];
  await assertBatchedAsAlone(model, texts.map((text) => ({ kind: "classify", text, field: "/text" })), 1);
});

test("the pairs of rerank jobs waiting together share one forward, each job ranked as alone", async () => {
  await using model = await load("text-classification", "bge-reranker-tiny", 512);
  const jobs = [
    { kind: "rerank", query: "Where is the fountain?", contexts: ["The fountain is in the garden.", "The library is closed."], topK: 2 },
    { kind: "rerank", query: "a longer query about water and where it flows", contexts: ["Paris is in France.", "Water flows downhill, and rivers run to the sea.", "No."], topK: 2 },
    { kind: "rerank", query: "one", contexts: ["two"], topK: 1 },
  ];
  await assertBatchedAsAlone(model, jobs, 1);
});

test("images of different sizes waiting together are classified in one forward, each as it is alone", async () => {
  await using model = await load("image-classification", "resnet50-tiny");
  const images = await Promise.all(
    [[320, 240, "#336699"], [64, 64, "#ff0000"], [500, 300, "#00aa00"]].map(async ([width, height, background]) =>
      (await sharp({ create: { width: Number(width), height: Number(height), channels: 3, background: String(background) } }).png().toBuffer()).toString("base64"),
    ),
  );
  await assertBatchedAsAlone(model, images.map((image) => ({ kind: "classify-image", image, topK: 5, field: "/image" })), 1);
});

/** "ok", or the error code a job ended with. */
const outcome = (settled: PromiseSettledResult<unknown>) => (settled.status === "fulfilled" ? "ok" : settled.reason instanceof OutpostError ? settled.reason.code : String(settled.reason));

test("a bad job among those waiting together fails alone: the others get their answers", async () => {
  await using images = await load("image-classification", "resnet50-tiny");
  const image = (await sharp({ create: { width: 64, height: 64, channels: 3, background: "#336699" } }).png().toBuffer()).toString("base64");
  const good = { kind: "classify-image", image, topK: 5, field: "/image" };
  const imageRuns = await Promise.allSettled([images.run(good, signal()), images.run({ ...good, image: Buffer.from("not an image").toString("base64") }, signal()), images.run(good, signal())]);
  assert.deepEqual(imageRuns.map(outcome), ["ok", "INPUT_INVALID", "ok"]);
  assert.deepEqual(imageRuns[2], imageRuns[0]);

  await using texts = await load("text-classification", "distilbert-sst2-tiny", 16);
  const cancelled = new AbortController();
  const classify = (text: string, abort = signal()) => texts.run({ kind: "classify", text, field: "/text" }, abort);
  const textRuns = [classify("fine"), classify("far too many words for a context of sixteen tokens ".repeat(2)), classify("cancelled", cancelled.signal), classify("also fine")];
  cancelled.abort();
  const settled = await Promise.allSettled(textRuns);
  assert.deepEqual(settled.map(outcome), ["ok", "INPUT_INVALID", "ABORTED", "ok"]);
  assert.match(String((settled[1] as PromiseRejectedResult).reason), /at most 16 are allowed/);
});

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
