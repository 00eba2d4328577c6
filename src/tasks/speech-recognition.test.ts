import assert from "node:assert/strict";
import { test } from "node:test";
import { OutpostError, type ModelDescriptor, type Transcript } from "../contract/index.js";
import { speechRecognition } from "./speech-recognition.js";
import { toSrt, toVtt } from "./subtitles.js";

const base = { task: "speech-recognition", engine: "whisper", chatTemplate: "bare", contextTokens: 448, maxTokensDefault: 0, maxTokensStreamDefault: 0 } as const;
const whisper: ModelDescriptor = { ...base, id: "@cf/openai/whisper", speechRecognition: { output: "words" } };
const turbo: ModelDescriptor = { ...base, id: "@cf/openai/whisper-large-v3-turbo", speechRecognition: { output: "segments" } };
const invalid = (pattern: RegExp) => (e: unknown) => e instanceof OutpostError && e.code === "INPUT_INVALID" && pattern.test(e.message);

const transcript: Transcript = {
  text: "Hello world. Bye",
  language: "en",
  durationS: 2.5,
  segments: [
    { start: 0.1, end: 1.2, text: "Hello world.", words: [{ word: "Hello", start: 0.1, end: 0.6 }, { word: "world.", start: 0.6, end: 1.2 }] },
    { start: 1.5, end: 2.5, text: "Bye", words: [{ word: "Bye", start: 1.5, end: 2.5 }] },
  ],
};

test("whisper takes the file as bytes or a byte array; turbo as base64 with its options", () => {
  const bytes = [82, 73, 70, 70];
  assert.deepEqual(speechRecognition.prepare({ audio: bytes }, whisper).job, { audio: "UklGRg==", task: "transcribe", field: "/audio", output: "words" });
  assert.equal((speechRecognition.prepare({ audio: new Uint8Array(bytes) }, turbo).job as { audio: string }).audio, "UklGRg==");
  assert.deepEqual(speechRecognition.prepare({ audio: "UklGRg==", task: "translate", language: "fr", initial_prompt: "Outpost", vad_filter: true }, turbo).job, {
    audio: "UklGRg==",
    task: "translate",
    field: "/audio",
    output: "segments",
    language: "fr",
    initialPrompt: "Outpost",
  });
  assert.throws(() => speechRecognition.prepare({}, whisper), invalid(/'\/audio': required/));
  assert.throws(() => speechRecognition.prepare({ audio: [] }, whisper), invalid(/'\/audio': the audio is empty/));
  assert.throws(() => speechRecognition.prepare({ audio: [1, 256] }, whisper), invalid(/'\/audio\/1'/));
  assert.throws(() => speechRecognition.prepare({ audio: "UklGRg==" }, whisper), invalid(/Type mismatch of '\/audio', 'array' not 'string'/));
  assert.throws(() => speechRecognition.prepare({ audio: "%%%" }, turbo), invalid(/'\/audio': not base64/));
  assert.throws(() => speechRecognition.prepare({ audio: "UklGRg==", task: "summarize" }, turbo), invalid(/'\/task'/));
  assert.throws(() => speechRecognition.prepare({ audio: "UklGRg==", language: "English" }, turbo), invalid(/'\/language': expected an ISO 639-1 code/));
});

test("whisper answers words and vtt; turbo transcription_info and segments", async () => {
  const words = await speechRecognition.shape({ kind: "json", value: transcript }, speechRecognition.prepare({ audio: [1] }, whisper));
  assert.deepEqual(Object.keys((words as { value: object }).value), ["text", "word_count", "words", "vtt"]);
  assert.equal((words as { value: { word_count: number } }).value.word_count, 3);
  const segments = await speechRecognition.shape({ kind: "json", value: transcript }, speechRecognition.prepare({ audio: "AQ==" }, turbo));
  const value = (segments as { value: Record<string, unknown> }).value;
  assert.deepEqual(value.transcription_info, { language: "en", duration: 2.5, duration_after_vad: 2.5 });
  assert.deepEqual(value.segments, transcript.segments);
  const given = await speechRecognition.shape({ kind: "json", value: transcript }, speechRecognition.prepare({ audio: "AQ==", language: "en" }, turbo));
  assert.equal((given as { value: { transcription_info: { language_probability: number } } }).value.transcription_info.language_probability, 1);
});

test("models/schema serves each model's own inputs", () => {
  const properties = (model: ModelDescriptor) => Object.keys((speechRecognition.schemasFor!(model).input as { properties: object }).properties);
  assert.deepEqual(properties(whisper), ["audio", "task", "language", "initial_prompt", "stream"]);
  assert.deepEqual(properties(turbo), ["audio", "task", "language", "initial_prompt", "stream", "vad_filter", "prefix"]);
});

test("WebVTT and SubRip cue each segment", () => {
  assert.equal(toVtt(transcript.segments), "WEBVTT\n\n00:00:00.100 --> 00:00:01.200\nHello world.\n\n00:00:01.500 --> 00:00:02.500\nBye\n");
  assert.equal(toSrt(transcript.segments), "1\n00:00:00,100 --> 00:00:01,200\nHello world.\n\n2\n00:00:01,500 --> 00:00:02,500\nBye\n");
  assert.equal(toSrt([{ start: 3_723.5, end: 3_724, text: "late", words: [] }]).split("\n")[1], "01:02:03,500 --> 01:02:04,000");
});
