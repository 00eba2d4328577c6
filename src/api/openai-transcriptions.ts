import { Hono, type Context } from "hono";
import { SSE_HEADERS, toByteStream } from "../binding/index.js";
import { OutpostError, type RunEvent, type TranscriptSegment, type TranscriptWord } from "../contract/index.js";
import { sentences, toSrt, toVtt } from "../tasks/index.js";
import type { BodyReader } from "./body.js";
import type { ApiDeps } from "./deps.js";
import { openAiError, requireModel, streamError } from "./openai.js";
import { runOptions } from "./run-options.js";

const FORMATS = ["json", "text", "srt", "vtt", "verbose_json"] as const;
type Format = (typeof FORMATS)[number];

/** What the speech-recognition task answers, in either of its shapes. */
interface Answer {
  text: string;
  words?: TranscriptWord[];
  segments?: TranscriptSegment[];
  transcription_info?: { language: string; duration: number };
}

/** The formats a stream can carry: its events hold text only (OpenAI streams `json` and, for diarized models, `text`). */
const STREAMED: readonly Format[] = ["json", "text"];

function responseFormat(value: string | undefined): Format {
  if (value === undefined || value === "") return "json";
  if ((FORMATS as readonly string[]).includes(value)) return value as Format;
  throw new OutpostError("INPUT_INVALID", `Invalid input at '/response_format': expected one of ${FORMATS.join(", ")}, not ${JSON.stringify(value)}`);
}

/** OpenAI calls the audio `file`; the task, as Workers AI, `audio`: errors name the field the caller sent. */
function asOpenAiField(error: unknown): never {
  if (error instanceof OutpostError && error.code === "INPUT_INVALID") throw new OutpostError("INPUT_INVALID", error.message.replace(/'\/audio(\/|')/, "'/file$1").replace("'/initial_prompt'", "'/prompt'"), { cause: error });
  throw error;
}

/** OpenAI spells languages by English name in verbose_json (`english`). */
const LANGUAGE_NAMES = new Intl.DisplayNames(["en"], { type: "language" });

function verbose(task: "transcribe" | "translate", answer: Answer, segments: TranscriptSegment[], withWords: boolean) {
  const code = answer.transcription_info?.language ?? "en";
  const duration = answer.transcription_info?.duration ?? segments.at(-1)?.end ?? 0;
  return {
    task,
    language: (LANGUAGE_NAMES.of(code) ?? code).toLowerCase(),
    duration,
    text: answer.text,
    // whisper.cpp reports no token ids, log-probabilities or compression ratios: only what it does report.
    segments: segments.map((s, id) => ({ id, seek: Math.floor(s.start / 30) * 3_000, start: s.start, end: s.end, text: s.text })),
    ...(withWords ? { words: segments.flatMap((s) => s.words) } : {}),
  };
}

/**
 * Checks `stream` against the endpoint and format: OpenAI streams transcriptions (text deltas,
 * then the whole text), never translations, and no subtitle or verbose document.
 */
function streamed(value: string | undefined, task: "transcribe" | "translate", format: Format): boolean {
  if (value !== "true") return false;
  if (task === "translate") throw new OutpostError("INPUT_INVALID", "Invalid input at '/stream': translations are not streamed (OpenAI streams only /v1/audio/transcriptions)");
  if (!STREAMED.includes(format)) throw new OutpostError("INPUT_INVALID", `Invalid input at '/stream': a '${format}' transcript is not streamed; stream with response_format json or text`);
  return true;
}

/** OpenAI's transcription stream: a `transcript.text.delta` per window's text, then `transcript.text.done` with all of it. */
function transcriptEncoder(): (event: RunEvent) => string {
  let text = "";
  const data = (value: Record<string, unknown>) => `data: ${JSON.stringify(value)}\n\n`;
  return (event) => {
    switch (event.type) {
      case "token":
        text += event.text;
        return data({ type: "transcript.text.delta", delta: event.text });
      case "done":
        return data({ type: "transcript.text.done", text });
      case "error":
        return streamError(event.error);
      case "call_text":
        return "";
    }
  };
}

/**
 * `POST /v1/audio/transcriptions` and `/v1/audio/translations`: OpenAI's multipart speech-to-text
 * over the speech-recognition task. `temperature` is accepted and not applied (whisper.cpp
 * decodes greedily here). `stream` sends each 30 s window's text as it is transcribed.
 */
export function openAiTranscriptionRoutes(deps: ApiDeps, body: BodyReader): Hono {
  const app = new Hono();

  const handle = (task: "transcribe" | "translate") => async (c: Context) => {
    try {
      const form = await body.readForm(c);
      const text = (name: string) => {
        const value = form.get(name);
        return typeof value === "string" ? value : undefined;
      };
      const model = requireModel(c, deps, { model: text("model") }, "speech-recognition");
      const format = responseFormat(text("response_format"));
      const stream = streamed(text("stream"), task, format);
      const file = form.get("file");
      if (!(file instanceof File)) throw new OutpostError("INPUT_INVALID", "Invalid input at '/file': expected an audio file");
      const inputs: Record<string, unknown> = { audio: new Uint8Array(await file.arrayBuffer()), task };
      const language = text("language");
      if (language && task === "transcribe") inputs.language = language;
      const prompt = text("prompt");
      if (prompt) inputs.initial_prompt = prompt;
      if (stream) inputs.stream = true;
      const result = await deps.run(model, inputs, runOptions(c, undefined)).catch(asOpenAiField);
      if (stream && result.kind === "events") return new Response(toByteStream(result.events, transcriptEncoder()), { headers: SSE_HEADERS });
      if (result.kind !== "json") throw new OutpostError("INTERNAL", "The model returned no transcript");
      const answer = result.value as Answer;
      const segments = answer.segments ?? sentences(answer.words ?? []);
      const plain = (content: string) => c.body(content, 200, { "content-type": "text/plain; charset=utf-8" });
      switch (format) {
        case "json":
          return c.json({ text: answer.text });
        case "text":
          return plain(answer.text);
        case "srt":
          return plain(toSrt(segments));
        case "vtt":
          return plain(toVtt(segments));
        case "verbose_json":
          return c.json(verbose(task, answer, segments, form.getAll("timestamp_granularities[]").includes("word")));
      }
    } catch (error) {
      return openAiError(error);
    }
  };

  app.post("/transcriptions", handle("transcribe"));
  app.post("/translations", handle("translate"));
  return app;
}
