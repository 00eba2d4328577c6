import assert from "node:assert/strict";
import { test } from "node:test";
import { OutpostError, type ModelDescriptor } from "../contract/index.js";
import { imageClassification } from "./image-classification.js";
import { MAX_IMAGE_BYTES } from "./image-input.js";
import { objectDetection } from "./object-detection.js";

const resnet: ModelDescriptor = { id: "@cf/microsoft/resnet-50", task: "image-classification", engine: "transformers" };
const detr: ModelDescriptor = { ...resnet, id: "@cf/facebook/detr-resnet-50", task: "object-detection" };
const invalid = (pattern: RegExp) => (e: unknown) => e instanceof OutpostError && e.code === "INPUT_INVALID" && pattern.test(e.message);
const png = [0x89, 0x50, 0x4e, 0x47];

test("classification and detection take the image as a byte array, bytes or an ArrayBuffer, as base64", () => {
  assert.deepEqual(imageClassification.prepare({ image: png }, resnet).job, { kind: "classify-image", image: "iVBORw==", topK: 5, field: "/image" });
  assert.deepEqual(objectDetection.prepare({ image: new Uint8Array(png) }, detr).job, { kind: "detect", image: "iVBORw==", threshold: 0.5, field: "/image" });
  assert.equal((imageClassification.prepare({ image: new Uint8Array(png).buffer }, resnet).job as { image: string }).image, "iVBORw==");
  // A view into a larger buffer sends only its own bytes.
  const view = new Uint8Array([1, ...png, 2]).subarray(1, 5);
  assert.equal((objectDetection.prepare({ image: view, other: "ignored" }, detr).job as { image: string }).image, "iVBORw==");
});

test("a byte array that is not bytes is refused naming the first bad element", () => {
  for (const image of [[1, 2, 256], [1, 2, -1], [1, 2, 1.5], [1, 2, "3"], [1, 2, null]]) {
    assert.throws(() => imageClassification.prepare({ image }, resnet), invalid(/^Invalid input at '\/image\/2': expected a byte/), JSON.stringify(image));
  }
});

test("a missing, empty, oversized or non-array image is refused naming /image", () => {
  assert.throws(() => imageClassification.prepare({}, resnet), invalid(/^Invalid input at '\/image': expected the image's bytes/));
  assert.throws(() => objectDetection.prepare({ image: "iVBORw==" }, detr), invalid(/^Invalid input at '\/image': expected the image's bytes/));
  assert.throws(() => objectDetection.prepare({ image: { 0: 1 } }, detr), invalid(/^Invalid input at '\/image': expected the image's bytes/));
  assert.throws(() => imageClassification.prepare({ image: [] }, resnet), invalid(/^Invalid input at '\/image': the image is empty/));
  assert.throws(() => imageClassification.prepare({ image: new Uint8Array(0) }, resnet), invalid(/^Invalid input at '\/image': the image is empty/));
  assert.throws(() => imageClassification.prepare({ image: new Uint8Array(MAX_IMAGE_BYTES + 1) }, resnet), invalid(/^Invalid input at '\/image': at most \d+ bytes/));
  assert.throws(() => imageClassification.prepare([png], resnet), invalid(/^Invalid input at '\/': expected an object/));
});
