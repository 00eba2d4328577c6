import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import OpenAI, { toFile } from "openai";
import type { TranscriptionStreamEvent } from "openai/resources/audio/transcriptions";
import { createRemoteAi } from "../../src/binding/index.js";
import type { RequestRecord } from "../../src/contract/index.js";
import { createOutpost, type Outpost } from "../../src/cli/outpost.js";
import { flacFile, longSpeech, silentMp3, speech, tone, wavFile } from "../helpers/audio.js";
import { envelopeError, envelopeResult, openAiError, post } from "../helpers/http.js";
import { LegacyAi } from "../helpers/legacy-ai.js";
import { eventually, metric } from "../helpers/metrics.js";
import { readSse } from "../helpers/sse.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { standinMirror } from "../helpers/standins.js";

/**
 * Speech recognition on the random-weight whisper stand-in (../shared/models/standins): its
 * transcripts are gibberish, but the ggml file, whisper.cpp and every step around it are real.
 * whisper-large-v3-turbo's shape is served from the same file, mirrored under the real name.
 */
const STANDIN = "@outpost/whisper-micro-en-standin";
const TURBO = "@cf/openai/whisper-large-v3-turbo";

interface Word {
  word: string;
  start: number;
  end: number;
}

/** Every time inside the audio and never going backwards. */
function assertTimes(words: Word[], durationS: number): void {
  let clock = 0;
  for (const word of words) {
    assert.ok(word.word.length > 0 && clock <= word.start && word.start <= word.end && word.end <= durationS + 1e-6, `${JSON.stringify(word)} after ${clock}, audio ${durationS} s`);
    clock = word.end;
  }
}

describe("speech recognition (whisper engine, random-weight stand-in)", () => {
  let server: TestServer;
  let mirrorDir: string;
  let hello: Buffer;
  /** espeak-ng's 22.05 kHz WAV length, in seconds. */
  let helloS: number;
  const rest = (model: string) => `${server.url}/client/v4/accounts/0123abcd/ai/run/${model}`;
  const requests = async () => ((await (await fetch(`${server.url}/api/requests`)).json()) as { result: RequestRecord[] }).result;
  const raw = (url: string, bytes: Uint8Array, type?: string) => fetch(url, { method: "POST", body: new Uint8Array(bytes), headers: type ? { "content-type": type } : {} });

  before(async () => {
    mirrorDir = standinMirror();
    server = await startServer({ "model-mirror": mirrorDir });
    hello = speech("Hello world. This is a test of speech recognition.");
    helloS = hello.readUInt32LE(40) / 2 / 22_050;
  });
  after(async () => {
    await server?.stop();
    rmSync(mirrorDir, { recursive: true, force: true });
  });

  test("REST takes the raw file (any content type) or a byte array, and answers text, words and vtt", async () => {
    const fromRaw = await envelopeResult<{ text: string; word_count: number; words: Word[]; vtt: string }>(await raw(rest(STANDIN), hello));
    assert.deepEqual(Object.keys(fromRaw), ["text", "word_count", "words", "vtt"]);
    assert.equal(fromRaw.word_count, fromRaw.words.length);
    assertTimes(fromRaw.words, helloS);
    assert.match(fromRaw.vtt, /^WEBVTT\n\n\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}\n/);
    // whisper.cpp falls back to sampling when a window decodes badly, as random weights always
    // do: the words differ run to run (and may be none), the shape and the times' bounds do not.
    let spoken = fromRaw.words.length;
    for (const res of [await post(rest(STANDIN), { audio: [...hello] }), await raw(rest(STANDIN), hello, "application/x-www-form-urlencoded"), await raw(`${server.url}/ai/run/${STANDIN}`, hello, "audio/wav")]) {
      const other = await envelopeResult<{ words: Word[] }>(res);
      assert.deepEqual(Object.keys(other), ["text", "word_count", "words", "vtt"]);
      assertTimes(other.words, helloS);
      spoken += other.words.length;
    }
    assert.ok(spoken > 0, "in four tries the stand-in says something");
  });

  test("8/24-bit, float, stereo, 8 and 48 kHz WAVs and MP3s all transcribe within their length", async () => {
    const signal = tone(2, 48_000, 300);
    for (const file of [wavFile(signal, 48_000, { bits: 8 }), wavFile(signal, 48_000, { bits: 24, channels: 2 }), wavFile(signal, 48_000, { float: true }), wavFile(tone(2, 8_000), 8_000)]) {
      const result = await envelopeResult<{ words: Word[] }>(await raw(rest(STANDIN), file));
      assertTimes(result.words, 2);
    }
    const mp3 = silentMp3(100);
    assertTimes((await envelopeResult<{ words: Word[] }>(await raw(rest(STANDIN), mp3))).words, (100 * 1152) / 44_100);
    // Real speech as FLAC (verbatim frames: no encoder is installed) and as lame encodes it
    const samples = Float32Array.from({ length: (hello.length - 44) / 2 }, (_, i) => hello.readInt16LE(44 + i * 2) / 32_768);
    assertTimes((await envelopeResult<{ words: Word[] }>(await raw(rest(STANDIN), flacFile(samples, 22_050), "audio/flac"))).words, helloS);
    // Real speech as lame encodes it (Debian's lame, as text-to-speech uses); the encoder pads up to a frame at each end.
    const encoded = execFileSync("lame", ["--quiet", "-", "-"], { input: hello });
    assertTimes((await envelopeResult<{ words: Word[] }>(await raw(rest(STANDIN), encoded, "audio/mpeg"))).words, helloS + 0.1);
  });

  test("whisper-large-v3-turbo: base64 audio and options in, transcription_info and segments out", async () => {
    const result = await envelopeResult(await post(rest(TURBO), { audio: hello.toString("base64"), language: "en", initial_prompt: "Outpost", vad_filter: true }));
    assert.deepEqual(Object.keys(result), ["transcription_info", "text", "word_count", "segments", "vtt"]);
    assert.equal(result.transcription_info.language, "en");
    assert.equal(result.transcription_info.language_probability, 1);
    assert.ok(Math.abs(result.transcription_info.duration - helloS) < 0.01);
    const words = result.segments.flatMap((s: { words: Word[] }) => s.words);
    assert.equal(result.word_count, words.length);
    assertTimes(words, helloS);
    for (const s of result.segments) assert.equal(s.text, s.words.map((w: Word) => w.word).join(" "));
    await envelopeError(await post(rest(TURBO), { audio: hello.toString("base64"), task: "translate" }), 400, 1001, /'\/task': this model is English-only/);
  });

  test("bad audio is a 400 naming the problem, and the server keeps serving", async () => {
    const header = wavFile(tone(0.5, 16_000), 16_000);
    const rate = Buffer.from(header);
    rate.writeUInt32LE(3, 24);
    const cases: [unknown, RegExp][] = [
      [{ audio: [...Buffer.from("this is not audio at all")] }, /^Invalid input at '\/audio': not audio in a supported format; supported: WAV/],
      [{ audio: [] }, /^Invalid input at '\/audio': the audio is empty/],
      [{ audio: [...header.subarray(0, 44)] }, /^Invalid input at '\/audio': the audio is empty \(0 samples\)/],
      [{ audio: [...header.subarray(0, 30)] }, /^Invalid input at '\/audio': corrupt WAV header/],
      [{ audio: [...rate] }, /^Invalid input at '\/audio': the sample rate 3 Hz is outside/],
      [{ audio: [...silentMp3(3).subarray(0, 500)].map((b, i) => (i > 4 ? 0x55 : b)) }, /^Invalid input at '\/audio': corrupt MP3/],
      [{ audio: [1, 2, 300] }, /^Invalid input at '\/audio\/2'/],
      [{ audio: "UklGRg==" }, /^Type mismatch of '\/audio'/],
      [{}, /^Invalid input at '\/audio': required/],
    ];
    for (const [inputs, message] of cases) await envelopeError(await post(rest(STANDIN), inputs), 400, 1001, message);
    // Two hours of MP3 in 7 MB: refused from its frames, before anything is decoded.
    await envelopeError(await raw(rest(STANDIN), silentMp3(100_000, true)), 400, 1001, /^Invalid input at '\/audio': the audio is 7200 s long, at most 1800 s are allowed/);
    await envelopeError(await post(rest(TURBO), { audio: "not base64!" }), 400, 1001, /'\/audio': not base64/);
    await envelopeError(await post(rest(TURBO), { audio: hello.toString("base64"), language: "klingon" }), 400, 1001, /'\/language'/);
    assertTimes((await envelopeResult<{ words: Word[] }>(await raw(rest(STANDIN), hello))).words, helloS);
  });

  test("models/schema serves each model's own schema", async () => {
    const schema = async (model: string) => envelopeResult(await fetch(`${server.url}/client/v4/accounts/0123abcd/ai/models/schema?model=${model}`));
    const whisper = await schema(STANDIN);
    assert.equal(whisper.input.properties.audio.type, "array");
    assert.deepEqual(whisper.output.required, ["text"]);
    const turbo = await schema(TURBO);
    assert.equal(turbo.input.properties.audio.type, "string");
    assert.deepEqual(turbo.input.properties.task.enum, ["transcribe", "translate"]);
    assert.ok(turbo.output.properties.segments && turbo.output.properties.transcription_info);
  });

  test("the OpenAI SDK's transcriptions and translations, in every response format", async () => {
    const openai = new OpenAI({ apiKey: "any", baseURL: `${server.url}/v1`, maxRetries: 0 });
    const file = () => toFile(hello, "hello.wav", { type: "audio/wav" });
    const json = await openai.audio.transcriptions.create({ model: STANDIN, file: await file() });
    assert.deepEqual(Object.keys(json), ["text"]);
    assert.equal(typeof json.text, "string");
    const text = await openai.audio.transcriptions.create({ model: STANDIN, file: await file(), response_format: "text" });
    assert.ok(typeof text === "string" && !text.startsWith("{"));
    const srt = await openai.audio.transcriptions.create({ model: STANDIN, file: await file(), response_format: "srt" });
    assert.match(srt, /^1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n/);
    const vtt = await openai.audio.transcriptions.create({ model: STANDIN, file: await file(), response_format: "vtt" });
    assert.match(vtt, /^WEBVTT\n/);
    const verbose = await openai.audio.transcriptions.create({ model: TURBO, file: await file(), response_format: "verbose_json", timestamp_granularities: ["word", "segment"], language: "en" });
    assert.equal(verbose.language, "english");
    assert.ok(Math.abs(verbose.duration - helloS) < 0.01);
    assertTimes(verbose.words!, helloS);
    assert.deepEqual(verbose.segments!.map((s) => s.id), verbose.segments!.map((_, i) => i));
    await assert.rejects(openai.audio.translations.create({ model: STANDIN, file: await file() }), (error: InstanceType<typeof OpenAI.APIError>) => {
      assert.equal(error.status, 400);
      assert.match(error.message, /English-only/);
      return true;
    });
    await assert.rejects(openai.audio.transcriptions.create({ model: STANDIN, file: await toFile(Buffer.from("not audio"), "x.wav") }), (error: InstanceType<typeof OpenAI.APIError>) => {
      assert.equal(error.status, 400);
      assert.match(error.message, /'\/file': not audio/);
      return true;
    });
    await openAiError(await fetch(`${server.url}/v1/audio/transcriptions`, { method: "POST", body: form({ model: STANDIN, response_format: "docx" }, hello) }), 400, "input_invalid", /response_format/);
    assert.equal(typeof (await openai.audio.transcriptions.create({ model: STANDIN, file: await file() })).text, "string", "still serving");
  });

  test("the OpenAI SDK streams a transcription: a delta per 30 s window as it is transcribed, then done with the whole text", async () => {
    const openai = new OpenAI({ apiKey: "any", baseURL: `${server.url}/v1`, maxRetries: 0 });
    const long = longSpeech(17);
    const streamed = async (response_format: "json" | "text") => {
      const events: TranscriptionStreamEvent[] = [];
      const stream = await openai.audio.transcriptions.create({ model: STANDIN, file: await toFile(long, "long.wav", { type: "audio/wav" }), response_format, stream: true });
      for await (const event of stream) events.push(event);
      return events;
    };
    for (const format of ["json", "text"] as const) {
      const events = await streamed(format);
      const done = events.at(-1);
      assert.ok(done?.type === "transcript.text.done", `the stream ends with done, not ${done?.type}`);
      const deltas = events.slice(0, -1).map((e) => (e.type === "transcript.text.delta" ? e.delta : assert.fail(`a delta, not ${e.type}`)));
      // Three windows of speech: the stand-in says something in each (a silent one would send no delta).
      assert.ok(deltas.length >= 2, `${deltas.length} deltas before done`);
      assert.equal(done.text, deltas.join(""));
    }

    // A client that goes after the first delta: the server finds it gone at once, not at its next
    // write (there may be none: the last windows' deltas and done can go in one write), lets go
    // of the job between two windows, logs it 499 and serves the next request whole.
    const logged = (await requests()).length;
    const controller = new AbortController();
    const stream = await openai.audio.transcriptions.create({ model: STANDIN, file: await toFile(long, "long.wav", { type: "audio/wav" }), stream: true }, { signal: controller.signal });
    const seen: string[] = [];
    // The SDK ends an aborted stream's loop quietly.
    for await (const event of stream) {
      seen.push(event.type);
      controller.abort();
    }
    assert.deepEqual(seen, ["transcript.text.delta"]);
    assert.ok(await eventually(async () => (await requests()).length > logged), "the aborted transcription is logged");
    const [aborted] = await requests();
    assert.deepEqual([aborted!.model, aborted!.status], [STANDIN, 499]);
    assert.ok(await eventually(async () => (await metric(server.url, "outpost_active_sequences", { model: STANDIN })) === 0), "its slot is free");
    const next = await streamed("json");
    assert.equal(next.at(-1)?.type, "transcript.text.done");
    assert.ok(next.length >= 3, "the next request is streamed whole");
  });

  test("REST's Outpost stream is Workers AI's text stream: a response per window, usage, [DONE]", async () => {
    const res = await post(rest(TURBO), { audio: longSpeech(17).toString("base64"), stream: true });
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    const events: string[] = [];
    await readSse(res.body!, (data) => void events.push(data));
    assert.equal(events.at(-1), "[DONE]");
    assert.deepEqual(JSON.parse(events.at(-2)!), { response: "", usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } });
    const texts = events.slice(0, -2).map((data) => (JSON.parse(data) as { response: string }).response);
    assert.ok(texts.length >= 2 && texts.every((text) => text.trim().length > 0), JSON.stringify(texts));
  });

  test("stream is refused where OpenAI does not stream: subtitles, verbose_json and translations", async () => {
    const refused: [string, Record<string, string>, RegExp][] = [
      ["transcriptions", { response_format: "srt" }, /'\/stream': a 'srt' transcript is not streamed/],
      ["transcriptions", { response_format: "vtt" }, /'\/stream': a 'vtt' transcript is not streamed/],
      ["transcriptions", { response_format: "verbose_json" }, /'\/stream': a 'verbose_json' transcript is not streamed/],
      ["translations", {}, /'\/stream': translations are not streamed/],
    ];
    for (const [endpoint, fields, message] of refused) {
      await openAiError(await fetch(`${server.url}/v1/audio/${endpoint}`, { method: "POST", body: form({ model: TURBO, stream: "true", ...fields }, hello) }), 400, "input_invalid", message);
    }
  });

  describe("the env.AI binding", () => {
    let outpost: Outpost;
    let dataDir: string;
    before(() => {
      dataDir = mkdtempSync(join(tmpdir(), "outpost-speech-"));
      outpost = createOutpost({ modelMirror: mirrorDir, dataDir });
    });
    after(() => {
      outpost.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    test("in-process (bytes or a byte array) and remote answer the REST shape", async () => {
      for (const answer of [await outpost.ai.run(STANDIN, { audio: new Uint8Array(hello) }), await outpost.ai.run(STANDIN, { audio: [...hello] }), await createRemoteAi(server.url).run(STANDIN, { audio: [...hello] })]) {
        assert.deepEqual(Object.keys(answer), ["text", "word_count", "words", "vtt"]);
        assertTimes(answer.words, helloS);
      }
      await assert.rejects(outpost.ai.run(STANDIN, { audio: new Uint8Array(0) }), /the audio is empty/);
      const legacy = await new LegacyAi(outpost.ai).run(STANDIN, { audio: [...hello] });
      assert.deepEqual(Object.keys(legacy), ["text", "word_count", "words", "vtt"]);
    });
  });
});

function form(fields: Record<string, string>, audio: Buffer): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  data.set("file", new Blob([new Uint8Array(audio)], { type: "audio/wav" }), "hello.wav");
  return data;
}
