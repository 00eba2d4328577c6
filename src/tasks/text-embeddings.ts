import { z } from "zod";
import { OutpostError, type EmbedResult, type EngineResult, type RunResult, type TextJob } from "../contract/index.js";
import { MAX_EMBEDDING_ITEMS, MAX_EMBEDDING_TOKENS, MAX_PROMPT_CHARS } from "./constants.js";
import { TEXT_EMBEDDINGS_BODY_LIMITS } from "./body-limits.js";
import type { Task } from "./task.js";
import { parseInputs, requireObject, toJsonSchema } from "./validate.js";

const text = z.string().min(1).max(MAX_PROMPT_CHARS);
const inputSchema = z.object({
  text: z.union([text, z.array(text).min(1).max(MAX_EMBEDDING_ITEMS)]).describe(`One string or up to ${MAX_EMBEDDING_ITEMS}.`),
  pooling: z.enum(["mean", "cls"]).optional().describe("Accepted for compatibility; llama.cpp pools as the GGUF declares."),
});

export const textEmbeddings: Task = {
  id: "text-embeddings",
  inputSchema: toJsonSchema(inputSchema),
  bodyLimits: TEXT_EMBEDDINGS_BODY_LIMITS,
  outputSchema: {
    type: "object",
    contentType: "application/json",
    properties: {
      shape: { type: "array", items: { type: "number" } },
      data: { type: "array", items: { type: "array", items: { type: "number" } } },
      usage: { type: "object", properties: { prompt_tokens: { type: "integer" }, total_tokens: { type: "integer" } } },
    },
  },

  prepare(raw) {
    const fields = requireObject(raw);
    if (Array.isArray(fields.text) && fields.text.length > MAX_EMBEDDING_ITEMS) {
      throw new OutpostError("INPUT_INVALID", `Invalid input at '/text': at most ${MAX_EMBEDDING_ITEMS} items are allowed`);
    }
    const inputs = parseInputs(inputSchema, fields);
    const texts = typeof inputs.text === "string" ? [inputs.text] : inputs.text;
    const job: TextJob = { kind: "embed", texts, maxTokensPerText: MAX_EMBEDDING_TOKENS };
    return { stream: false, job };
  },

  async shape(result: EngineResult): Promise<RunResult> {
    if (result.kind !== "json") throw new OutpostError("INTERNAL", "text-embeddings engine returned no vectors");
    const { vectors, tokens } = result.value as EmbedResult;
    const usage = { prompt_tokens: tokens, total_tokens: tokens };
    return { kind: "json", value: { shape: [vectors.length, vectors[0]?.length ?? 0], data: vectors, usage } };
  },
};
