import { z } from "zod";
import { OutpostError, type EngineResult, type RunResult } from "../contract/index.js";
import type { TransformersJob, TranslateResult } from "../engines/transformers/job.js";
import type { BodyLimits } from "./body-limits.js";
import { languageCode } from "./languages.js";
import type { Task } from "./task.js";
import { parseInputs, requireObject, toJsonSchema } from "./validate.js";

/** Longest text accepted, in characters; the model's 1024-token context is checked after tokenizing. */
export const MAX_TRANSLATION_CHARS = 32_768;
/** New tokens a translation may generate (M2M100's generation_config says max_length 200). */
const MAX_TRANSLATION_TOKENS = 200;

const language = z
  .string()
  .min(1)
  .max(32)
  .refine((value) => languageCode(value) !== undefined, { message: "unknown language; use an M2M100 code such as en, fr, es, zh" });

const inputSchema = z.object({
  text: z.string().min(1).max(MAX_TRANSLATION_CHARS).describe("The text to translate."),
  source_lang: language.optional().describe("The language of the text, as a code (en) or a name (english). Default en."),
  target_lang: language.describe("The language to translate into, as a code (fr) or a name (french)."),
});

const BODY_LIMITS: BodyLimits = { maxDepth: 4, maxValues: 100, maxItems: 16, maxStringChars: MAX_TRANSLATION_CHARS };

export const translation: Task = {
  id: "translation",
  inputSchema: toJsonSchema(inputSchema),
  outputSchema: {
    type: "object",
    contentType: "application/json",
    properties: { translated_text: { type: "string", description: "The translated text." } },
  },
  bodyLimits: BODY_LIMITS,

  prepare(raw) {
    const inputs = parseInputs(inputSchema, requireObject(raw));
    const job: TransformersJob = {
      kind: "translate",
      text: inputs.text,
      sourceLang: languageCode(inputs.source_lang ?? "en") ?? "en",
      targetLang: languageCode(inputs.target_lang) ?? "en",
      maxNewTokens: MAX_TRANSLATION_TOKENS,
      field: "/text",
    };
    return { stream: false, job };
  },

  async shape(result: EngineResult): Promise<RunResult> {
    if (result.kind !== "json") throw new OutpostError("INTERNAL", "translation engine returned no text");
    const { translated_text } = result.value as TranslateResult;
    return { kind: "json", value: { translated_text } };
  },
};
