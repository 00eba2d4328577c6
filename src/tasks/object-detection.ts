import { z } from "zod";
import { OutpostError, type EngineResult, type RunResult } from "../contract/index.js";
import type { DetectResult, TransformersJob } from "../engines/transformers/job.js";
import { IMAGE_BODY_LIMITS, imageBytes, imageField } from "./image-input.js";
import type { Task } from "./task.js";
import { requireObject, toJsonSchema } from "./validate.js";

/** Detections below this score are left out (transformers.js's default is 0.9; DETR's demos use 0.5). */
const THRESHOLD = 0.5;

const inputSchema = z.object({ image: imageBytes });

export const objectDetection: Task = {
  id: "object-detection",
  inputSchema: toJsonSchema(inputSchema),
  outputSchema: {
    type: "array",
    contentType: "application/json",
    description: `Objects found with a score of at least ${THRESHOLD}; boxes in pixels of the input image.`,
    items: {
      type: "object",
      properties: {
        score: { type: "number" },
        label: { type: "string" },
        box: {
          type: "object",
          properties: { xmin: { type: "number" }, ymin: { type: "number" }, xmax: { type: "number" }, ymax: { type: "number" } },
          required: ["xmin", "ymin", "xmax", "ymax"],
        },
      },
      required: ["score", "label", "box"],
    },
  },
  bodyLimits: IMAGE_BODY_LIMITS,
  binaryInput: "image",

  prepare(raw) {
    const image = imageField(requireObject(raw).image);
    const job: TransformersJob = { kind: "detect", image, threshold: THRESHOLD, field: "/image" };
    return { stream: false, job };
  },

  async shape(result: EngineResult): Promise<RunResult> {
    if (result.kind !== "json") throw new OutpostError("INTERNAL", "object-detection engine returned no boxes");
    return { kind: "json", value: result.value as DetectResult };
  },
};
