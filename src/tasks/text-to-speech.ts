import { z } from "zod";
import { OutpostError, SPEECH_FORMATS, SPEECH_LANGUAGES, SPEECH_VOICES, type EngineResult, type RunResult, type SpeechFormat, type SpeechJob } from "../contract/index.js";
import type { BodyLimits } from "./body-limits.js";
import type { Task } from "./task.js";
import { parseInputs, requireObject, toJsonSchema } from "./validate.js";

/** Longest prompt, in characters: OpenAI's `input` limit, a few minutes of speech. */
export const MAX_SPEECH_CHARS = 4_096;
/** OpenAI's bounds for `speed`. */
const MIN_SPEED = 0.25;
const MAX_SPEED = 4;

const inputSchema = z.object({
  prompt: z
    .string()
    .min(1)
    .max(MAX_SPEECH_CHARS)
    .regex(/\S/, { message: "the prompt has nothing to say (only white space)" })
    .describe(`The text to speak, at most ${MAX_SPEECH_CHARS} characters.`),
  lang: z
    .enum(SPEECH_LANGUAGES, { error: (issue) => `unknown language ${JSON.stringify(issue.input)}; expected one of ${SPEECH_LANGUAGES.join(", ")}` })
    .default("en")
    .describe("The speech language, as MeloTTS names it: en, es, fr, zh (Mandarin), jp (Japanese) or kr (Korean). Default en."),
  voice: z
    .enum(SPEECH_VOICES, { error: (issue) => `unknown voice ${JSON.stringify(issue.input)}; expected one of ${SPEECH_VOICES.join(", ")}` })
    .optional()
    .describe("Outpost: the speaker, by OpenAI's voice names. Default the model's own."),
  speed: z.number().min(MIN_SPEED).max(MAX_SPEED).optional().describe(`Outpost: speaking rate, ${MIN_SPEED} to ${MAX_SPEED}. Default 1.`),
  format: z
    .enum(Object.keys(SPEECH_FORMATS) as [SpeechFormat, ...SpeechFormat[]])
    .optional()
    .describe("Outpost: the encoding of `audio`: mp3 (default, as Workers AI), wav, pcm (raw 24 kHz 16-bit little-endian), flac, opus (Ogg) or aac (ADTS)."),
});

const BODY_LIMITS: BodyLimits = { maxDepth: 4, maxValues: 100, maxItems: 16, maxStringChars: MAX_SPEECH_CHARS };

export const textToSpeech: Task = {
  id: "text-to-speech",
  inputSchema: toJsonSchema(inputSchema),
  outputSchema: {
    type: "object",
    contentType: "application/json",
    properties: { audio: { type: "string", description: "The generated audio in MP3 format (or the `format` asked for), base64-encoded." } },
  },
  bodyLimits: BODY_LIMITS,

  prepare(raw) {
    const inputs = parseInputs(inputSchema, requireObject(raw));
    const job: SpeechJob = {
      text: inputs.prompt,
      lang: inputs.lang,
      ...(inputs.voice !== undefined ? { voice: inputs.voice } : {}),
      speed: inputs.speed ?? 1,
      format: inputs.format ?? "mp3",
    };
    return { stream: false, job };
  },

  /** Workers AI answers MeloTTS as JSON `{audio}`, on REST and through the binding alike. */
  async shape(result: EngineResult): Promise<RunResult> {
    if (result.kind !== "bytes") throw new OutpostError("INTERNAL", "text-to-speech engine returned no audio");
    const chunks: Uint8Array[] = [];
    for await (const chunk of result.chunks) chunks.push(chunk);
    return { kind: "json", value: { audio: Buffer.concat(chunks).toString("base64") } };
  },
};
