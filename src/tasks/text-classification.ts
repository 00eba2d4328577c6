import { z } from "zod";
import { OutpostError, type EngineResult, type RunResult } from "../contract/index.js";
import type { ClassifyResult, TransformersJob } from "../engines/transformers/job.js";
import type { BodyLimits } from "./body-limits.js";
import type { Task } from "./task.js";
import { parseInputs, requireObject, toJsonSchema } from "./validate.js";

/** Longest text accepted, in characters; the model's 512-token context is checked after tokenizing. */
export const MAX_CLASSIFICATION_CHARS = 16_384;

const inputSchema = z.object({
  text: z.string().min(1).max(MAX_CLASSIFICATION_CHARS).describe("The text to classify."),
});

const BODY_LIMITS: BodyLimits = { maxDepth: 4, maxValues: 100, maxItems: 16, maxStringChars: MAX_CLASSIFICATION_CHARS };

export const textClassification: Task = {
  id: "text-classification",
  inputSchema: toJsonSchema(inputSchema),
  outputSchema: {
    type: "array",
    contentType: "application/json",
    description: "Every label of the model with its probability, most likely first (SST-2: NEGATIVE, POSITIVE).",
    items: { type: "object", properties: { label: { type: "string" }, score: { type: "number" } }, required: ["label", "score"] },
  },
  bodyLimits: BODY_LIMITS,

  prepare(raw) {
    const inputs = parseInputs(inputSchema, requireObject(raw));
    const job: TransformersJob = { kind: "classify", text: inputs.text, field: "/text" };
    return { stream: false, job };
  },

  async shape(result: EngineResult): Promise<RunResult> {
    if (result.kind !== "json") throw new OutpostError("INTERNAL", "text-classification engine returned no labels");
    const labels = result.value as ClassifyResult;
    return { kind: "json", value: labels.map(({ label, score }) => ({ label, score })) };
  },
};
