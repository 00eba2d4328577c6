import { z } from "zod";
import { OutpostError, type EngineResult, type RunResult } from "../contract/index.js";
import type { SummarizeResult, TransformersJob } from "../engines/transformers/job.js";
import type { BodyLimits } from "./body-limits.js";
import type { Task } from "./task.js";
import { parseInputs, requireObject, toJsonSchema } from "./validate.js";

/** Longest text accepted, in characters; BART's 1024-token context is checked after tokenizing. */
export const MAX_SUMMARIZATION_CHARS = 32_768;
/** Workers AI's default and Outpost's ceiling for `max_length`, in tokens of summary. */
const MAX_LENGTH = 1024;

const inputSchema = z.object({
  input_text: z.string().min(1).max(MAX_SUMMARIZATION_CHARS).describe("The text to summarize."),
  max_length: z.number().int().min(1).max(MAX_LENGTH).optional().describe(`Most tokens of summary. Default ${MAX_LENGTH}.`),
});

const BODY_LIMITS: BodyLimits = { maxDepth: 4, maxValues: 100, maxItems: 16, maxStringChars: MAX_SUMMARIZATION_CHARS };

export const summarization: Task = {
  id: "summarization",
  inputSchema: toJsonSchema(inputSchema),
  outputSchema: {
    type: "object",
    contentType: "application/json",
    properties: { summary: { type: "string", description: "The summary." } },
  },
  bodyLimits: BODY_LIMITS,

  prepare(raw) {
    const inputs = parseInputs(inputSchema, requireObject(raw));
    const job: TransformersJob = { kind: "summarize", text: inputs.input_text, maxNewTokens: inputs.max_length ?? MAX_LENGTH, field: "/input_text" };
    return { stream: false, job };
  },

  async shape(result: EngineResult): Promise<RunResult> {
    if (result.kind !== "json") throw new OutpostError("INTERNAL", "summarization engine returned no text");
    const { summary } = result.value as SummarizeResult;
    return { kind: "json", value: { summary } };
  },
};
