import { z } from "zod";
import { OutpostError, type EngineResult, type ModelDescriptor, type RunResult } from "../contract/index.js";
import type { ClassifyResult, RerankResult, TransformersJob } from "../engines/transformers/job.js";
import type { BodyLimits } from "./body-limits.js";
import type { JsonSchema, Task } from "./task.js";
import { parseInputs, requireObject, toJsonSchema } from "./validate.js";

/** Longest text accepted, in characters; the model's 512-token context is checked after tokenizing. */
export const MAX_CLASSIFICATION_CHARS = 16_384;
/** Most contexts one rerank request may score. */
export const MAX_RERANK_CONTEXTS = 1_000;

/**
 * Workers AI lists its rerankers under text classification, with their own input and output:
 * `{query, contexts:[{text}], top_k?}` → `{response:[{id, score}]}`.
 */
export const RERANKER_MODELS: ReadonlySet<string> = new Set(["@cf/baai/bge-reranker-base"]);

const classifySchema = z.object({
  text: z.string().min(1).max(MAX_CLASSIFICATION_CHARS).describe("The text to classify."),
});
const rerankSchema = z.object({
  query: z.string().min(1).max(MAX_CLASSIFICATION_CHARS).describe("A query you wish to perform against the provided contexts."),
  top_k: z.number().int().min(1).max(MAX_RERANK_CONTEXTS).optional().describe("Number of returned results starting with the best score."),
  contexts: z
    .array(z.object({ text: z.string().min(1).max(MAX_CLASSIFICATION_CHARS).describe("One of the provided context content") }))
    .min(1)
    .max(MAX_RERANK_CONTEXTS)
    .describe("List of provided contexts. Note that the index in this array is important, as the response will refer to it."),
});

const classifyOutput: JsonSchema = {
  type: "array",
  contentType: "application/json",
  description: "Every label of the model with its probability, most likely first (SST-2: NEGATIVE, POSITIVE).",
  items: { type: "object", properties: { label: { type: "string" }, score: { type: "number" } }, required: ["label", "score"] },
};
const rerankOutput: JsonSchema = {
  type: "object",
  contentType: "application/json",
  properties: {
    response: {
      type: "array",
      items: {
        type: "object",
        properties: { id: { type: "integer", description: "Index of the context in the request" }, score: { type: "number", description: "Score of the context under the index." } },
      },
    },
  },
};

/** Room for a rerank request's contexts; a classification request is far smaller. */
const BODY_LIMITS: BodyLimits = { maxDepth: 6, maxValues: 4 * MAX_RERANK_CONTEXTS + 100, maxItems: MAX_RERANK_CONTEXTS, maxStringChars: MAX_CLASSIFICATION_CHARS };

export const textClassification: Task = {
  id: "text-classification",
  inputSchema: toJsonSchema(classifySchema),
  outputSchema: classifyOutput,
  schemasFor(model: ModelDescriptor) {
    return RERANKER_MODELS.has(model.id) ? { input: toJsonSchema(rerankSchema), output: rerankOutput } : { input: toJsonSchema(classifySchema), output: classifyOutput };
  },
  bodyLimits: BODY_LIMITS,

  prepare(raw, model) {
    const fields = requireObject(raw);
    if (RERANKER_MODELS.has(model.id)) {
      if (Array.isArray(fields.contexts) && fields.contexts.length > MAX_RERANK_CONTEXTS) {
        throw new OutpostError("INPUT_INVALID", `Invalid input at '/contexts': at most ${MAX_RERANK_CONTEXTS} items are allowed`);
      }
      const inputs = parseInputs(rerankSchema, fields);
      const job: TransformersJob = { kind: "rerank", query: inputs.query, contexts: inputs.contexts.map((c) => c.text), topK: inputs.top_k ?? inputs.contexts.length };
      return { stream: false, job };
    }
    const inputs = parseInputs(classifySchema, fields);
    const job: TransformersJob = { kind: "classify", text: inputs.text, field: "/text" };
    return { stream: false, job };
  },

  async shape(result: EngineResult, prepared): Promise<RunResult> {
    if (result.kind !== "json") throw new OutpostError("INTERNAL", "text-classification engine returned no labels");
    if ((prepared.job as TransformersJob).kind === "rerank") {
      const ranked = result.value as RerankResult;
      return { kind: "json", value: { response: ranked.map(({ id, score }) => ({ id, score })) } };
    }
    const labels = result.value as ClassifyResult;
    return { kind: "json", value: labels.map(({ label, score }) => ({ label, score })) };
  },
};
