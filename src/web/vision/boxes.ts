import { PALETTE } from "../palette.js";
import type { Detection } from "../tasks.js";

/** A detection as drawn over the image: a rectangle in the image's pixels and a colour for its label. */
export interface DrawnBox {
  x: number;
  y: number;
  width: number;
  height: number;
  colour: string;
}

/**
 * Where each detection's box goes on a `width`×`height` image. Boxes come in the image's own
 * pixels (Workers AI's DETR shape); a box reaching past an edge is cut at it, one with its
 * corners swapped is drawn between them, and one label keeps one colour.
 */
export function drawnBoxes(detections: Detection[], width: number, height: number): DrawnBox[] {
  const labels = [...new Set(detections.map((d) => d.label))];
  const clamp = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  return detections.map(({ label, box }) => {
    const [x0, x1] = [clamp(Math.min(box.xmin, box.xmax), width), clamp(Math.max(box.xmin, box.xmax), width)];
    const [y0, y1] = [clamp(Math.min(box.ymin, box.ymax), height), clamp(Math.max(box.ymin, box.ymax), height)];
    return { x: x0, y: y0, width: x1 - x0, height: y1 - y0, colour: PALETTE[labels.indexOf(label) % (PALETTE.length - 1)]! };
  });
}
