import { z } from "zod";
import { OutpostError, type EngineResult, type RunResult } from "../contract/index.js";
import type { ClassifyResult, TransformersJob } from "../engines/transformers/job.js";
import { IMAGE_BODY_LIMITS, imageBytes, imageField } from "./image-input.js";
import type { Task } from "./task.js";
import { requireObject, toJsonSchema } from "./validate.js";

/** Workers AI answers resnet-50's five most likely classes. */
const TOP_K = 5;

const inputSchema = z.object({ image: imageBytes });

export const imageClassification: Task = {
  id: "image-classification",
  inputSchema: toJsonSchema(inputSchema),
  outputSchema: {
    type: "array",
    contentType: "application/json",
    description: `The ${TOP_K} most likely classes, most likely first.`,
    items: { type: "object", properties: { label: { type: "string" }, score: { type: "number" } }, required: ["label", "score"] },
  },
  bodyLimits: IMAGE_BODY_LIMITS,
  binaryInput: "image",

  prepare(raw) {
    const image = imageField(requireObject(raw).image);
    const job: TransformersJob = { kind: "classify-image", image, topK: TOP_K, field: "/image" };
    return { stream: false, job };
  },

  async shape(result: EngineResult): Promise<RunResult> {
    if (result.kind !== "json") throw new OutpostError("INTERNAL", "image-classification engine returned no labels");
    const labels = result.value as ClassifyResult;
    return { kind: "json", value: labels.map(({ label, score }) => ({ label, score })) };
  },
};
