import { z } from "zod";
import { OutpostError, type EngineResult, type ModelDescriptor, type RunResult, type Transcript, type TranscriptionJob } from "../contract/index.js";
import { base64Field, binaryField, bytesField } from "./binary-input.js";
import type { BodyLimits } from "./body-limits.js";
import { toVtt } from "./subtitles.js";
import type { JsonSchema, Task } from "./task.js";
import { parseInputs, requireObject, toJsonSchema } from "./validate.js";

/** Largest audio file: OpenAI's upload limit. The request body limit (10 MiB by default) binds first. */
export const MAX_AUDIO_BYTES = 25 * 1024 * 1024;
/** Whisper reads at most 224 prompt tokens; a prompt past this many characters is refused, not cut. */
const MAX_PROMPT_CHARS = 2_048;

/** A byte array (1–4 characters per byte in JSON) or its base64, and a few short options. */
export const SPEECH_BODY_LIMITS: BodyLimits = { maxDepth: 4, maxValues: MAX_AUDIO_BYTES + 100, maxItems: MAX_AUDIO_BYTES, maxStringChars: Math.ceil(MAX_AUDIO_BYTES / 3) * 4 + 64 };

const audioBytes = z.array(z.number().int().min(0).max(255)).min(1).max(MAX_AUDIO_BYTES).describe("The audio file (WAV, MP3, FLAC or Ogg Vorbis) as an array of bytes.");

/** Decoding options: whisper-large-v3-turbo's, which Outpost takes for every Whisper (the OpenAI surface sends them). */
const decoding = {
  task: z.enum(["transcribe", "translate"]).optional().describe("transcribe (default) keeps the spoken language; translate writes English (multilingual models)."),
  language: z
    .string()
    .regex(/^[a-z]{2,3}$/, { message: "expected an ISO 639-1 code such as en, es or fr" })
    .optional()
    .describe("The spoken language as an ISO 639-1 code; the model detects it when omitted."),
  initial_prompt: z.string().max(MAX_PROMPT_CHARS).optional().describe("Text the decoder sees as what came before: names, spelling, style."),
  stream: z.boolean().optional().describe("Outpost: stream the transcript as server-sent events, each 30 s window's text as it is transcribed (Workers AI's text stream format), instead of the JSON answer."),
};

/** `@cf/openai/whisper`, `whisper-tiny-en`: the file's bytes (Workers AI takes nothing else; the options are Outpost's). */
const wordsInput = z.object({ audio: audioBytes, ...decoding });

/** `whisper-large-v3-turbo`'s options that change nothing here, accepted so its callers work unchanged. */
const compatibility = {
  vad_filter: z.boolean().optional().describe("Accepted for compatibility; Outpost transcribes the whole audio (no voice-activity filter)."),
  prefix: z.string().max(MAX_PROMPT_CHARS).optional().describe("Accepted for compatibility; Outpost does not force a transcript prefix."),
};

/** `whisper-large-v3-turbo`: base64 audio and decoding options. */
const segmentsInput = z.object({ audio: z.string().min(1).describe("The audio file (WAV, MP3, FLAC or Ogg Vorbis), base64-encoded."), ...decoding, ...compatibility });

/** The options alone: the audio is checked apart, with a plain loop (see binary-input.ts). */
const OPTIONS = { words: z.object(decoding), segments: z.object({ ...decoding, ...compatibility }) };

const word = { type: "object", properties: { word: { type: "string" }, start: { type: "number" }, end: { type: "number" } }, required: ["word", "start", "end"] };
const wordsOutput: JsonSchema = {
  type: "object",
  contentType: "application/json",
  properties: {
    text: { type: "string", description: "The whole transcript." },
    word_count: { type: "number" },
    words: { type: "array", items: word, description: "Each word with its start and end, in seconds." },
    vtt: { type: "string", description: "The transcript as WebVTT, one cue per sentence." },
  },
  required: ["text"],
};
const segmentsOutput: JsonSchema = {
  type: "object",
  contentType: "application/json",
  properties: {
    transcription_info: {
      type: "object",
      properties: {
        language: { type: "string" },
        language_probability: { type: "number", description: "1 when the language was given; absent when detected (whisper.cpp does not report it)." },
        duration: { type: "number", description: "Seconds of audio." },
        duration_after_vad: { type: "number", description: "Seconds transcribed: the whole audio, as no voice-activity filter runs." },
      },
    },
    text: { type: "string" },
    word_count: { type: "number" },
    segments: {
      type: "array",
      items: { type: "object", properties: { start: { type: "number" }, end: { type: "number" }, text: { type: "string" }, words: { type: "array", items: word } }, required: ["start", "end", "text"] },
    },
    vtt: { type: "string" },
  },
  required: ["text"],
};

/** The audio as base64, from bytes (binding, raw body), a byte array, or (turbo) base64. */
function audioField(fields: Record<string, unknown>, segments: boolean): string {
  const bytes = binaryField(fields.audio);
  const audio = bytes ?? (segments ? base64Field(fields.audio, "audio") : bytesField(fields.audio, "audio"));
  if (audio === undefined) throw new OutpostError("INPUT_INVALID", "Invalid input at '/audio': required");
  if (audio.length === 0) throw new OutpostError("INPUT_INVALID", "Invalid input at '/audio': the audio is empty (0 bytes)");
  if (Math.floor((audio.length * 3) / 4) > MAX_AUDIO_BYTES) throw new OutpostError("INPUT_INVALID", `Invalid input at '/audio': at most ${MAX_AUDIO_BYTES} bytes are allowed`);
  return audio;
}

function isSegments(model: ModelDescriptor): boolean {
  return model.speechRecognition?.output === "segments";
}

export const speechRecognition: Task = {
  id: "speech-recognition",
  inputSchema: toJsonSchema(wordsInput),
  outputSchema: wordsOutput,
  schemasFor: (model) => (isSegments(model) ? { input: toJsonSchema(segmentsInput), output: segmentsOutput } : { input: toJsonSchema(wordsInput), output: wordsOutput }),
  bodyLimits: SPEECH_BODY_LIMITS,
  binaryInput: "audio",

  prepare(raw, model) {
    const { audio: _audio, ...fields } = requireObject(raw);
    const output = isSegments(model) ? "segments" : "words";
    const audio = audioField(requireObject(raw), output === "segments");
    const options = parseInputs(OPTIONS[output], fields);
    const job: TranscriptionJob = {
      audio,
      task: options.task ?? "transcribe",
      field: "/audio",
      output,
      ...(options.language !== undefined ? { language: options.language } : {}),
      ...(options.initial_prompt ? { initialPrompt: options.initial_prompt } : {}),
      ...(options.stream ? { stream: true as const } : {}),
    };
    return { stream: job.stream === true, job };
  },

  async shape(result: EngineResult, prepared): Promise<RunResult> {
    if (prepared.stream && result.kind === "events") return result;
    if (result.kind !== "json") throw new OutpostError("INTERNAL", "speech-recognition engine returned no transcript");
    const transcript = result.value as Transcript;
    const job = prepared.job as TranscriptionJob;
    const words = transcript.segments.flatMap((s) => s.words);
    const vtt = toVtt(transcript.segments);
    if (job.output === "words") return { kind: "json", value: { text: transcript.text, word_count: words.length, words, vtt } };
    const transcription_info = {
      language: transcript.language,
      ...(job.language !== undefined ? { language_probability: 1 } : {}),
      duration: transcript.durationS,
      duration_after_vad: transcript.durationS,
    };
    return { kind: "json", value: { transcription_info, text: transcript.text, word_count: words.length, segments: transcript.segments, vtt } };
  },
};
