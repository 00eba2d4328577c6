import assert from "node:assert/strict";
import { test } from "node:test";
import { PALETTE } from "../palette.js";
import { drawnBoxes } from "./boxes.js";

const detection = (label: string, xmin: number, ymin: number, xmax: number, ymax: number) => ({ label, score: 0.9, box: { xmin, ymin, xmax, ymax } });

test("a box is drawn at the API's pixels; one label keeps one colour", () => {
  const drawn = drawnBoxes([detection("person", 10, 20, 110, 220), detection("cat", 0, 0, 5, 5), detection("person", 1, 2, 3, 4)], 320, 240);
  assert.deepEqual(drawn[0], { x: 10, y: 20, width: 100, height: 200, colour: PALETTE[0] });
  assert.equal(drawn[1]!.colour, PALETTE[1]);
  assert.equal(drawn[2]!.colour, PALETTE[0]);
});

test("boxes past the edges are cut at them; swapped corners are put right", () => {
  assert.deepEqual(drawnBoxes([detection("dog", -5, 200, 400, 300)], 320, 240)[0], { x: 0, y: 200, width: 320, height: 40, colour: PALETTE[0] });
  assert.deepEqual(drawnBoxes([detection("dog", 50, 60, 10, 20)], 320, 240)[0], { x: 10, y: 20, width: 40, height: 40, colour: PALETTE[0] });
});
