import assert from "node:assert/strict";
import { resolve } from "node:path";
import { test } from "node:test";
import { OutpostError, type ModelDescriptor, type RunEvent, type TranscriptionJob, type Transcript } from "../../contract/index.js";
import { longSpeech, tone, wavFile } from "../../../test/helpers/audio.js";
import { buildSegments } from "./transcript.js";
import { WhisperEngine } from "./whisper-engine.js";

const STANDIN = resolve(import.meta.dirname, "../../../../shared/models/standins/whisper-micro.en.bin");
const model: ModelDescriptor = { id: "@test/whisper", task: "speech-recognition", engine: "whisper", chatTemplate: "bare", contextTokens: 448, maxTokensDefault: 0, maxTokensStreamDefault: 0 };
const job = (audio: Buffer, extra: Partial<TranscriptionJob> = {}): TranscriptionJob => ({ audio: audio.toString("base64"), task: "transcribe", field: "/audio", output: "words", ...extra });

function assertTimes(transcript: Transcript, durationS: number): void {
  assert.ok(Math.abs(transcript.durationS - durationS) < 0.01, `duration ${transcript.durationS}`);
  let clock = 0;
  for (const segment of transcript.segments) {
    assert.equal(segment.text, segment.words.map((w) => w.word).join(" "));
    for (const word of segment.words) {
      assert.ok(clock <= word.start && word.start <= word.end && word.end <= durationS, JSON.stringify(word));
      clock = word.end;
    }
  }
}

test("whisper.cpp transcribes a WAV in its worker; times are monotonic and inside the audio", async () => {
  await using loaded = await new WhisperEngine().load({ model, path: STANDIN, slots: 1, threads: 1 });
  assert.equal(loaded.info.sizeBytes, 8_019_535);
  const result = await loaded.run(job(wavFile(tone(3, 22_050), 22_050)), new AbortController().signal);
  assert.equal(result.kind, "json");
  const transcript = (result as { value: Transcript }).value;
  assert.equal(transcript.language, "en");
  assert.equal(typeof transcript.text, "string");
  assertTimes(transcript, 3);
});

test("bad audio, an English-only model asked to translate, and a cancelled job each fail alone", async () => {
  await using loaded = await new WhisperEngine().load({ model, path: STANDIN, slots: 1, threads: 1 });
  const never = new AbortController().signal;
  const code = (expected: string, pattern?: RegExp) => (e: unknown) => e instanceof OutpostError && e.code === expected && (!pattern || pattern.test(e.message));
  await assert.rejects(loaded.run(job(Buffer.from("not audio")), never), code("INPUT_INVALID", /'\/audio': not audio/));
  await assert.rejects(loaded.run(job(wavFile(tone(1, 16_000), 16_000), { task: "translate" }), never), code("INPUT_INVALID", /'\/task': this model is English-only/));
  await assert.rejects(loaded.run(job(wavFile(tone(1, 16_000), 16_000), { language: "fr" }), never), code("INPUT_INVALID", /'\/language'/));
  const cancelled = new AbortController();
  // 70 s is three windows: the cancel lands while the first is being transcribed.
  const long = loaded.run(job(wavFile(tone(70, 16_000), 16_000)), cancelled.signal);
  setTimeout(() => cancelled.abort(), 200);
  await assert.rejects(long, code("ABORTED"));
  const next = await loaded.run(job(wavFile(tone(1, 16_000), 16_000)), never);
  assertTimes((next as { value: Transcript }).value, 1);
});

test("a streamed job sends each window's text as a token (the later ones led by a space), then done", async () => {
  await using loaded = await new WhisperEngine().load({ model, path: STANDIN, slots: 1, threads: 1 });
  const result = await loaded.run(job(longSpeech(17), { stream: true }), new AbortController().signal);
  assert.equal(result.kind, "events");
  const events: RunEvent[] = [];
  for await (const event of (result as { events: AsyncIterable<RunEvent> }).events) events.push(event);
  const tokens = events.slice(0, -1).map((e) => (e.type === "token" ? e.text : assert.fail(`a token, not ${e.type}`)));
  assert.deepEqual(events.at(-1), { type: "done", usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }, finishReason: "stop" });
  // One token per window that said something: the stand-in says something in each window of speech.
  assert.ok(tokens.length >= 2 && tokens.length <= 3, `${tokens.length} tokens for three windows`);
  tokens.forEach((text, i) => assert.match(text, i === 0 ? /^\S/ : /^ \S/));
});

test("a streamed job is transcribed window by window: cancelled after its first token it stops, and the next job runs", async () => {
  await using loaded = await new WhisperEngine().load({ model, path: STANDIN, slots: 1, threads: 1 });
  const clip = longSpeech(17);
  const cancelled = new AbortController();
  const result = await loaded.run(job(clip, { stream: true }), cancelled.signal);
  const events = (result as { events: AsyncIterable<RunEvent> }).events[Symbol.asyncIterator]();
  assert.equal((await events.next()).value?.type, "token");
  // Had the whole transcript been made before the first token, this cancel would come too late.
  cancelled.abort();
  await assert.rejects(events.next(), (e: unknown) => e instanceof OutpostError && e.code === "ABORTED");
  // A consumer that stops reading lets go of the worker only once its job has stopped.
  const second = await loaded.run(job(clip, { stream: true }), new AbortController().signal);
  const stopped = (second as { events: AsyncIterable<RunEvent> }).events[Symbol.asyncIterator]();
  assert.equal((await stopped.next()).value?.type, "token");
  await stopped.return?.();
  const next = await loaded.run(job(wavFile(tone(1, 16_000), 16_000)), new AbortController().signal);
  assertTimes((next as { value: Transcript }).value, 1);
});

test("segments: times clamped into their window and the audio, never backwards; sentences close a segment", () => {
  const segments = buildSegments(
    [
      { offsetS: 0, durationS: 30, pieces: [{ text: " Hello", start: 50, end: 120 }, { text: " world.", start: 100, end: 4_000 }, { text: " Next", start: 3_100, end: 3_200 }] },
      { offsetS: 30, durationS: 5, pieces: [{ text: " one", start: 0, end: 90_000 }, { text: " ", start: 0, end: 1 }] },
    ],
    35,
  );
  assert.deepEqual(segments, [
    { start: 0.5, end: 30, text: "Hello world.", words: [{ word: "Hello", start: 0.5, end: 1.2 }, { word: "world.", start: 1.2, end: 30 }] },
    { start: 30, end: 30, text: "Next", words: [{ word: "Next", start: 30, end: 30 }] },
    { start: 30, end: 35, text: "one", words: [{ word: "one", start: 30, end: 35 }] },
  ]);
});
