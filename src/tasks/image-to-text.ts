import { z } from "zod";
import { OutpostError, type EngineResult, type RunResult } from "../contract/index.js";
import type { CaptionResult, TransformersJob } from "../engines/transformers/job.js";
import { base64Field, binaryField, bytesField } from "./binary-input.js";
import type { BodyLimits } from "./body-limits.js";
import { MAX_IMAGE_BYTES } from "./image-input.js";
import type { Task } from "./task.js";
import { parseInputs, requireObject, toJsonSchema } from "./validate.js";

/** Workers AI's default `max_tokens` for uform-gen2 and llava, and Outpost's ceiling. */
const MAX_TOKENS_DEFAULT = 512;
const MAX_PROMPT_CHARS = 4_096;

/** Every field but `image`, which is checked apart with a plain loop (see binary-input.ts). */
const options = {
  prompt: z.string().max(MAX_PROMPT_CHARS).optional().describe("The question or instruction about the image. Vision-encoder-decoder captioners (ViT-GPT2) have no text input and caption the image whatever it says."),
  messages: z
    .array(z.object({ role: z.string(), content: z.string().max(MAX_PROMPT_CHARS) }))
    .max(64)
    .optional()
    .describe("The conversation about the image, instead of `prompt`; captioners do not read it either."),
  raw: z.boolean().optional().describe("Skip the chat template around `prompt`; captioners have none."),
  max_tokens: z.number().int().min(1).max(MAX_TOKENS_DEFAULT).optional().describe(`Most tokens of description. Default ${MAX_TOKENS_DEFAULT}.`),
  temperature: z.number().min(0).max(5).optional().describe("Above 0, sample with this temperature; 0 or omitted, greedy decoding (the same image gives the same description)."),
  top_p: z.number().gt(0).max(2).optional().describe("Nucleus sampling, when sampling; 1 or more keeps every token."),
  top_k: z.number().int().min(1).max(50).optional().describe("Sample among this many most likely tokens, when sampling."),
  seed: z.number().int().min(1).max(9_999_999_999).optional().describe("Accepted for compatibility; transformers.js's sampler cannot be seeded."),
  repetition_penalty: z.number().gt(0).max(2).optional().describe("Above 1, tokens already written are less likely."),
  frequency_penalty: z.number().min(-2).max(2).optional().describe("Accepted for compatibility; transformers.js has no frequency penalty."),
  presence_penalty: z.number().min(-2).max(2).optional().describe("Accepted for compatibility; transformers.js has no presence penalty."),
};
const optionsSchema = z.object(options);

const inputSchema = z.object({
  image: z
    .union([z.array(z.number().int().min(0).max(255)).min(1).max(MAX_IMAGE_BYTES), z.string().min(1)])
    .describe("The image file (PNG, JPEG, WebP, GIF…) as an array of bytes, or base64-encoded."),
  ...options,
});

/** A byte array (1–4 characters per byte in JSON) or its base64, and a prompt. */
const BODY_LIMITS: BodyLimits = { maxDepth: 4, maxValues: MAX_IMAGE_BYTES + 100, maxItems: MAX_IMAGE_BYTES, maxStringChars: Math.ceil(MAX_IMAGE_BYTES / 3) * 4 + 64 };

/** The image as base64, from bytes (binding, raw body), a byte array or a base64 string. */
function imageField(value: unknown): string {
  const image = binaryField(value) ?? (typeof value === "string" ? base64Field(value, "image") : bytesField(value, "image"));
  if (image === undefined) throw new OutpostError("INPUT_INVALID", "Invalid input at '/image': required");
  if (image.length === 0) throw new OutpostError("INPUT_INVALID", "Invalid input at '/image': the image is empty");
  if (Math.floor((image.length * 3) / 4) > MAX_IMAGE_BYTES) throw new OutpostError("INPUT_INVALID", `Invalid input at '/image': at most ${MAX_IMAGE_BYTES} bytes are allowed`);
  return image;
}

export const imageToText: Task = {
  id: "image-to-text",
  inputSchema: toJsonSchema(inputSchema),
  outputSchema: {
    type: "object",
    contentType: "application/json",
    properties: { description: { type: "string", description: "What the model says of the image." } },
    required: ["description"],
  },
  bodyLimits: BODY_LIMITS,
  binaryInput: "image",

  prepare(raw) {
    const { image, ...fields } = requireObject(raw);
    const job: TransformersJob & { kind: "caption" } = { kind: "caption", image: imageField(image), maxNewTokens: MAX_TOKENS_DEFAULT, field: "/image" };
    const inputs = parseInputs(optionsSchema, fields);
    if (inputs.prompt !== undefined && inputs.messages !== undefined) throw new OutpostError("INPUT_INVALID", `Invalid input at '/': "prompt" and "messages" are mutually exclusive`);
    if (inputs.max_tokens !== undefined) job.maxNewTokens = inputs.max_tokens;
    if (inputs.repetition_penalty !== undefined) job.repetitionPenalty = inputs.repetition_penalty;
    if (inputs.temperature) job.sampling = { temperature: inputs.temperature, ...(inputs.top_k === undefined ? {} : { topK: inputs.top_k }), ...(inputs.top_p === undefined ? {} : { topP: inputs.top_p }) };
    return { stream: false, job };
  },

  async shape(result: EngineResult): Promise<RunResult> {
    if (result.kind !== "json") throw new OutpostError("INTERNAL", "image-to-text engine returned no description");
    const { description } = result.value as CaptionResult;
    return { kind: "json", value: { description } };
  },
};
