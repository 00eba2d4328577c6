import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeDetections } from "./centernet.js";

test("boxes scale from the model's square to the image, clamp inside it, and overlapping repeats go", () => {
  const rows = [
    [8, 9, 369, 520, 0.61, 0], // a person, its bottom edge past the square
    [10, 12, 365, 500, 0.55, 0], // the same person again, lower scored
    [400, 400, 500, 500, 0.7, 41], // a cup elsewhere
    [0, 0, 10, 10, 0.2, 16], // a dog below the threshold
    [0, 0, 10, 10, 0.9, 80], // a class index past COCO's 80
  ];
  assert.deepEqual(decodeDetections(rows, 512, 1024, 256, 0.5), [
    { score: 0.7, label: "cup", box: { xmin: 800, ymin: 200, xmax: 1000, ymax: 250 } },
    { score: 0.61, label: "person", box: { xmin: 16, ymin: 4.5, xmax: 738, ymax: 256 } },
  ]);
  assert.deepEqual(decodeDetections(rows, 512, 1024, 256, 0.95), []);
});
