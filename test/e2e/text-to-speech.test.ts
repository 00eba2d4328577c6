import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Ajv } from "ajv";
import Cloudflare from "cloudflare";
import OpenAI from "openai";
import { createRemoteAi } from "../../src/binding/index.js";
import { createOutpost, type Outpost } from "../../src/cli/outpost.js";
import { mp3Duration, probeAudio, wavDuration } from "../helpers/audio.js";
import { envelopeError, envelopeResult, openAiError, post } from "../helpers/http.js";
import { LegacyAi } from "../helpers/legacy-ai.js";
import { MODEL_MIRROR, REPO_ROOT, startServer, STORIES, type TestServer } from "../helpers/server.js";

/** Real speech: espeak-ng and lame, the Debian programs, run by the espeak engine. */
const ESPEAK = "@outpost/espeak-ng";
const MELOTTS = "@cf/myshell-ai/melotts";
const SHORT = "Hello.";
const LONG = "Hello. This sentence is a good deal longer than the first one, so it takes several seconds to say.";

describe("text-to-speech", () => {
  let server: TestServer;
  const run = (model: string, inputs: unknown) => post(`${server.url}/client/v4/accounts/local/ai/run/${model}`, inputs);
  const audioOf = async (model: string, inputs: unknown) => Buffer.from((await envelopeResult<{ audio: string }>(await run(model, inputs))).audio, "base64");

  before(async () => {
    server = await startServer({ alias: `${MELOTTS}=${ESPEAK}` });
  });
  after(async () => {
    await server?.stop();
  });

  test("REST answers {audio}: base64 MP3 whose frames decode, longer for longer text", async () => {
    const res = await run(ESPEAK, { prompt: SHORT });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    const body = (await res.json()) as { result: { audio: string } };
    assert.deepEqual(Object.keys(body.result), ["audio"]);
    const short = mp3Duration(Buffer.from(body.result.audio, "base64"));
    const long = mp3Duration(await audioOf(ESPEAK, { prompt: LONG }));
    assert.equal(short.sampleRate, 22_050);
    assert.ok(short.seconds > 0.3 && short.seconds < 3, `"${SHORT}" lasts ${short.seconds} s`);
    assert.ok(long.seconds > 4 * short.seconds, `${long.seconds} s against ${short.seconds} s`);
  });

  test("the same text gives the same bytes; speed, voice and format change them", async () => {
    const plain = await audioOf(ESPEAK, { prompt: LONG });
    assert.deepEqual(await audioOf(ESPEAK, { prompt: LONG, lang: "en" }), plain);
    const fast = mp3Duration(await audioOf(ESPEAK, { prompt: LONG, speed: 2 }));
    assert.ok(fast.seconds < 0.7 * mp3Duration(plain).seconds, "speed 2 is faster");
    assert.notDeepEqual(await audioOf(ESPEAK, { prompt: LONG, voice: "nova" }), plain);
    const wav = await audioOf(ESPEAK, { prompt: LONG, format: "wav" });
    const { seconds, sampleRate } = wavDuration(wav);
    assert.equal(sampleRate, 22_050);
    assert.ok(Math.abs(seconds - mp3Duration(plain).seconds) < 0.2, "MP3 and WAV of one text last as long");
  });

  test("each of MeloTTS's languages speaks", async () => {
    const texts = { en: "Good morning", es: "Buenos días", fr: "Bonjour à tous", zh: "你好，世界", jp: "こんにちは", kr: "안녕하세요" };
    for (const [lang, prompt] of Object.entries(texts)) {
      const { seconds } = mp3Duration(await audioOf(ESPEAK, { prompt, lang }));
      assert.ok(seconds > 0.3, `${lang}: ${seconds} s`);
    }
  });

  test("bad input is a 400 naming the problem, and the server keeps serving", async () => {
    await envelopeError(await run(ESPEAK, {}), 400, 1001, /'\/prompt'/);
    await envelopeError(await run(ESPEAK, { prompt: "" }), 400, 1001, /'\/prompt'/);
    await envelopeError(await run(ESPEAK, { prompt: " \n\t " }), 400, 1001, /'\/prompt': the prompt has nothing to say/);
    // Over the character limit: refused while the body is read, as too large (413), as every text task.
    await envelopeError(await run(ESPEAK, { prompt: "a".repeat(4097) }), 413, 3006, /'\/prompt' is longer than 4096 characters/);
    await envelopeError(await run(ESPEAK, { prompt: "hi", lang: "de" }), 400, 1001, /'\/lang': unknown language "de"; expected one of en, es, fr, zh, jp, kr/);
    await envelopeError(await run(ESPEAK, { prompt: "hi", voice: "robot" }), 400, 1001, /'\/voice': unknown voice "robot"/);
    await envelopeError(await run(ESPEAK, { prompt: "hi", speed: 10 }), 400, 1001, /'\/speed'/);
    await envelopeError(await run(ESPEAK, { prompt: "hi", format: "ogg" }), 400, 1001, /'\/format'/);
    await envelopeError(await run(ESPEAK, { prompt: 42 }), 400, 1001, /'\/prompt'/);
    // Text is spoken, never run: shell and SSML markup are just words.
    assert.ok(mp3Duration(await audioOf(ESPEAK, { prompt: '<speak>`rm -rf ~`; $(reboot) --help -v xx</speak>' })).seconds > 1);
    assert.ok(mp3Duration(await audioOf(ESPEAK, { prompt: SHORT })).seconds > 0.3);
  });

  test("a request cancelled mid-synthesis leaves the next one unharmed", async () => {
    const abort = new AbortController();
    const cancelled = fetch(`${server.url}/ai/run/${ESPEAK}`, { method: "POST", body: JSON.stringify({ prompt: LONG.repeat(30), speed: 0.3 }), signal: abort.signal });
    setTimeout(() => abort.abort(), 30);
    await assert.rejects(cancelled);
    assert.ok(mp3Duration(await audioOf(ESPEAK, { prompt: SHORT })).seconds > 0.3);
  });

  test("models/schema serves the schema run() validates", async () => {
    const schema = await envelopeResult(await fetch(`${server.url}/client/v4/accounts/local/ai/models/schema?model=${ESPEAK}`));
    assert.deepEqual(schema.input.required, ["prompt"]);
    assert.deepEqual(schema.input.properties.lang.enum, ["en", "es", "fr", "zh", "jp", "kr"]);
    assert.equal(schema.input.properties.lang.default, "en");
    assert.deepEqual(Object.keys(schema.output.properties), ["audio"]);
    const validate = new Ajv({ strict: false }).compile(schema.input);
    const cases: unknown[] = [{ prompt: "ok" }, { prompt: "ok", lang: "fr" }, { prompt: "" }, { prompt: "  " }, { prompt: "ok", lang: "xx" }, { prompt: "ok", speed: 0.1 }, { lang: "en" }, { prompt: "ok", voice: "echo" }];
    for (const inputs of cases) {
      const res = await run(ESPEAK, inputs);
      await res.arrayBuffer();
      assert.equal(res.status === 200, validate(inputs), `${JSON.stringify(inputs)}: ${res.status}`);
    }
  });

  test("melotts is listed and aliased: it answers with espeak-ng's audio", async () => {
    const res = await run(MELOTTS, { prompt: SHORT, lang: "en" });
    assert.equal(res.headers.get("x-outpost-model"), ESPEAK);
    assert.deepEqual(Buffer.from((await envelopeResult<{ audio: string }>(res)).audio, "base64"), await audioOf(ESPEAK, { prompt: SHORT }));
  });

  test("the OpenAI SDK's audio.speech.create works unmodified", async () => {
    const openai = new OpenAI({ apiKey: "any", baseURL: `${server.url}/v1`, maxRetries: 0 });
    const mp3 = await openai.audio.speech.create({ model: ESPEAK, voice: "alloy", input: LONG });
    assert.equal(mp3.headers.get("content-type"), "audio/mpeg");
    const mp3Bytes = Buffer.from(await mp3.arrayBuffer());
    assert.deepEqual(mp3Bytes, await audioOf(ESPEAK, { prompt: LONG, voice: "alloy" }));
    const wav = await openai.audio.speech.create({ model: ESPEAK, voice: "nova", input: LONG, response_format: "wav", speed: 1.5 });
    assert.equal(wav.headers.get("content-type"), "audio/wav");
    assert.ok(wavDuration(Buffer.from(await wav.arrayBuffer())).seconds < mp3Duration(mp3Bytes).seconds);
    const aliased = await openai.audio.speech.create({ model: MELOTTS, voice: "alloy", input: LONG });
    assert.deepEqual(Buffer.from(await aliased.arrayBuffer()), mp3Bytes);

    const rejects = (request: Promise<unknown>, pattern: RegExp) =>
      assert.rejects(request, (error: InstanceType<typeof OpenAI.APIError>) => {
        assert.equal(error.status, 400);
        assert.match(error.message, pattern);
        return true;
      });
    await rejects(openai.audio.speech.create({ model: ESPEAK, voice: "alloy", input: "" }), /'\/input'/);
    await openAiError(await post(`${server.url}/v1/audio/speech`, { model: ESPEAK, voice: "alloy", input: "hi", response_format: "ogg" }), 400, "input_invalid", /'\/response_format': expected one of mp3, wav, pcm, flac, opus, aac, not "ogg"/);
    await rejects(openai.audio.speech.create({ model: ESPEAK, voice: "marin", input: "hi" }), /'\/voice': unknown voice "marin"/);
    await rejects(openai.audio.speech.create({ model: "@cf/karpathy/tinyllamas-stories-260k", voice: "alloy", input: "hi" }), /not a text-to-speech model/);
    await openAiError(await post(`${server.url}/v1/audio/speech`, { model: ESPEAK, voice: "alloy", input: "hi", stream_format: "sse" }), 400, "input_invalid", /stream_format/);
  });

  test("every OpenAI response_format is the audio it names, as an independent decoder reads it", async () => {
    const openai = new OpenAI({ apiKey: "any", baseURL: `${server.url}/v1`, maxRetries: 0 });
    const speech = async (response_format: "mp3" | "wav" | "pcm" | "flac" | "opus" | "aac") => {
      const response = await openai.audio.speech.create({ model: ESPEAK, voice: "alloy", input: LONG, response_format });
      return { type: response.headers.get("content-type"), bytes: Buffer.from(await response.arrayBuffer()) };
    };
    const wav = await speech("wav");
    const seconds = wavDuration(wav.bytes).seconds;
    const expected = {
      flac: { type: "audio/flac", codec: "flac", sampleRate: 22_050 },
      opus: { type: "audio/opus", codec: "opus", sampleRate: 48_000 },
      aac: { type: "audio/aac", codec: "aac", sampleRate: 22_050 },
    } as const;
    for (const [format, want] of Object.entries(expected) as [keyof typeof expected, (typeof expected)[keyof typeof expected]][]) {
      const { type, bytes } = await speech(format);
      assert.equal(type, want.type, format);
      const probed = probeAudio(bytes);
      assert.deepEqual({ codec: probed.codec, sampleRate: probed.sampleRate, channels: probed.channels }, { codec: want.codec, sampleRate: want.sampleRate, channels: 1 }, format);
      // Encoders pad a frame or two; the speech itself is as long as the WAV's.
      assert.ok(Math.abs(probed.seconds - seconds) < 0.1, `${format}: ${probed.seconds} s, the WAV ${seconds} s`);
    }
    const pcm = await speech("pcm");
    assert.equal(pcm.type, "audio/pcm");
    const raw = probeAudio(pcm.bytes, ["-f", "s16le", "-ar", "24000", "-ac", "1"]);
    assert.equal(raw.codec, "pcm_s16le");
    assert.ok(Math.abs(pcm.bytes.byteLength / 2 / 24_000 - seconds) < 0.01, `pcm: ${pcm.bytes.byteLength} bytes at 24 kHz for ${seconds} s`);
    // The Workers AI route takes the same names through `format` and answers them as base64.
    assert.deepEqual(await audioOf(ESPEAK, { prompt: LONG, voice: "alloy", format: "flac" }), (await speech("flac")).bytes);
  });

  test("outpost run writes speech to -o in the format its extension names; other tasks refuse its options; publish refuses", async () => {
    const dir = mkdtempSync(join(tmpdir(), "outpost-tts-cli-"));
    try {
      const env = { ...process.env, OUTPOST_MODEL_MIRROR: MODEL_MIRROR, OUTPOST_DATA_DIR: dir };
      // Asynchronous, so this process keeps serving its sockets to the server meanwhile.
      const cli = (...args: string[]) =>
        new Promise<{ status: number | null; stderr: string }>((resolve) => {
          const child = execFile(process.execPath, [join(REPO_ROOT, "bin/outpost.js"), ...args], { env, encoding: "utf8", timeout: 60_000 }, (_error, _stdout, stderr) => resolve({ status: child.exitCode, stderr }));
        });
      const mp3 = await cli("run", ESPEAK, LONG, "-o", join(dir, "a.mp3"));
      assert.equal(mp3.status, 0, mp3.stderr);
      assert.match(mp3.stderr, /wrote .*a\.mp3 \(MP3, \d+ bytes\)/);
      assert.deepEqual(readFileSync(join(dir, "a.mp3")), await audioOf(ESPEAK, { prompt: LONG }));
      const wav = await cli("run", ESPEAK, "Hola a todos", "--lang", "es", "--voice", "nova", "--speed", "1.5", "-o", join(dir, "b.wav"));
      assert.equal(wav.status, 0, wav.stderr);
      assert.deepEqual(readFileSync(join(dir, "b.wav")), await audioOf(ESPEAK, { prompt: "Hola a todos", lang: "es", voice: "nova", speed: 1.5, format: "wav" }));
      const ogg = await cli("run", ESPEAK, "Hello", "-o", join(dir, "d.ogg"));
      assert.match(ogg.stderr, /wrote .*d\.ogg \(OPUS, \d+ bytes\)/);
      assert.equal(probeAudio(readFileSync(join(dir, "d.ogg"))).codec, "opus");
      const bad = await cli("run", ESPEAK, "hi", "--lang", "de", "-o", join(dir, "c.mp3"));
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /unknown language "de"/);
      const text = await cli("run", STORIES, "Once", "--voice", "nova");
      assert.equal(text.status, 1);
      assert.match(text.stderr, /--lang, --voice and --speed are for text-to-speech models; @cf\/karpathy\/tinyllamas-stories-260k is text-generation/);
      // Refused before any NATS connection: there is no file to put in the object store.
      const publish = await cli("models", "publish", ESPEAK, "--nats", "nats://127.0.0.1:1");
      assert.equal(publish.status, 1);
      assert.match(publish.stderr, /has nothing to publish: each node runs it with its own espeak-ng and lame/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("the env.AI binding", () => {
    let outpost: Outpost;
    let dataDir: string;
    before(() => {
      dataDir = mkdtempSync(join(tmpdir(), "outpost-tts-"));
      outpost = createOutpost({ modelMirror: MODEL_MIRROR, dataDir });
    });
    after(() => {
      outpost.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    test("in-process, remote, the legacy SDK and the cloudflare SDK answer {audio} with the same bytes as REST", async () => {
      const inputs = { prompt: LONG, lang: "en" };
      const rest = (await envelopeResult<{ audio: string }>(await run(ESPEAK, inputs))).audio;
      for (const ai of [outpost.ai, createRemoteAi(server.url)]) {
        assert.deepEqual(await ai.run(ESPEAK, inputs), { audio: rest });
        assert.deepEqual(await new LegacyAi(ai).run(ESPEAK, inputs), { audio: rest });
      }
      const client = new Cloudflare({ apiToken: "any-token", baseURL: `${server.url}/client/v4`, maxRetries: 0 });
      assert.deepEqual(await client.ai.run(ESPEAK, { account_id: "0123abcd", ...inputs } as unknown as Cloudflare.AI.AIRunParams), { audio: rest });
    });

    test("without the alias, melotts answers that its engine is missing", async () => {
      await assert.rejects(outpost.ai.run(MELOTTS, { prompt: SHORT }), /@cf\/myshell-ai\/melotts needs the melotts engine for text-to-speech/);
      await envelopeError(await post(`${server.url}/ai/run/${ESPEAK}`, { prompt: "" }), 400, 1001);
    });
  });
});
