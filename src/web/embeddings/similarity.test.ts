import assert from "node:assert/strict";
import { test } from "node:test";
import { colourRange, cosine, heatColours, position, similarityMatrix } from "./similarity.js";

test("cosine similarity: same direction 1, opposite -1, orthogonal 0, zero vectors 0", () => {
  assert.equal(cosine([1, 2, 3], [2, 4, 6]), 1);
  assert.equal(cosine([1, 0], [-3, 0]), -1);
  assert.equal(cosine([1, 0], [0, 5]), 0);
  assert.equal(cosine([0, 0], [1, 1]), 0);
});

test("the matrix is symmetric with a unit diagonal", () => {
  const m = similarityMatrix([[1, 0], [1, 1], [0, 1]]);
  assert.deepEqual(m.map((r) => r.map((v) => Number(v.toFixed(4)))), [
    [1, 0.7071, 0],
    [0.7071, 1, 0.7071],
    [0, 0.7071, 1],
  ]);
});

test("colours span the off-diagonal range, clamped; one text falls back to -1…1", () => {
  const range = colourRange([[1, 0.9, 0.95], [0.9, 1, 0.8], [0.95, 0.8, 1]]);
  assert.deepEqual(range, { min: 0.8, max: 0.95 });
  assert.equal(position(1, range), 1);
  assert.equal(position(0.8, range), 0);
  assert.deepEqual(colourRange([[1]]), { min: -1, max: 1 });
  assert.deepEqual(colourRange([[1, 0.5], [0.5, 1]]), { min: -1, max: 1 });
});

test("dark cells get white text, light cells dark text", () => {
  assert.deepEqual(heatColours(0), { background: "hsl(220 70% 95%)", text: "#111" });
  assert.deepEqual(heatColours(0.5), { background: "hsl(220 70% 63%)", text: "#111" });
  assert.deepEqual(heatColours(1), { background: "hsl(220 70% 30%)", text: "#fff" });
});
