import { SPEECH_FORMATS, type Engine, type EngineResult, type LoadedModel, type SpeechFormat, type SpeechJob } from "../../contract/index.js";
import { runProgram, type Program } from "./program.js";
import { espeakVoice, wordsPerMinute } from "./voices.js";
import { readEspeakWav, WAV_HEADER_BYTES, writeWav, type Pcm } from "./wav.js";

export const ESPEAK: Program = { command: "espeak-ng", debianPackage: "espeak-ng" };
export const LAME: Program = { command: "lame", debianPackage: "lame" };
/** Only for OpenAI's other formats, so a machine without it still speaks MP3 and WAV. */
export const FFMPEG: Program = { command: "ffmpeg", debianPackage: "ffmpeg" };

/**
 * Most bytes of 16-bit PCM one job may make: 32 MiB, 12 minutes at espeak-ng's 22 050 Hz,
 * past the longest prompt (4096 characters) at the slowest pace.
 */
export const MAX_SPEECH_PCM_BYTES = 32 * 1024 * 1024;
/** A job still running after this is killed: espeak-ng, lame and ffmpeg make minutes of speech in about a second. */
export const MAX_SPEECH_MS = 60_000;
/** MP3 bitrate: speech at 22 050 Hz mono needs no more (MPEG-2 layer III). */
const MP3_KBPS = 64;

/**
 * ffmpeg's output options per format. OpenAI's pcm is 24 kHz; Opus has no 22 050 Hz mode, so
 * it is resampled to 24 kHz too. The bitrates are speech's, as for MP3.
 */
const FFMPEG_OUTPUTS: Record<Exclude<SpeechFormat, "mp3" | "wav">, string[]> = {
  pcm: ["-ar", "24000", "-f", "s16le"],
  flac: ["-c:a", "flac", "-f", "flac"],
  opus: ["-ar", "24000", "-c:a", "libopus", "-b:a", "32k", "-f", "ogg"],
  aac: ["-c:a", "aac", "-b:a", `${MP3_KBPS}k`, "-f", "adts"],
};

/**
 * Speech from espeak-ng, as a program: each job runs `espeak-ng` (text on stdin, WAV on stdout)
 * and, for MP3, `lame` over its samples (`ffmpeg` for flac, opus, aac and 24 kHz pcm). All are
 * separate GPL/LGPL programs, never linked into Outpost. Jobs share nothing, so `slots` of them run at once, one process each.
 */
export class EspeakEngine implements Engine {
  async load(): Promise<LoadedModel> {
    // A missing program is reported when the model loads, naming its package, not on the first request.
    const check = new AbortController().signal;
    for (const program of [ESPEAK, LAME]) await runProgram(program, { args: ["--version"], input: new Uint8Array(0), maxOutputBytes: 64 * 1024, timeoutMs: 10_000, signal: check });
    return {
      info: { sizeBytes: 0 },
      run: (job, signal) => speak(job as SpeechJob, signal),
      [Symbol.asyncDispose]: async () => undefined,
    };
  }
}

async function speak(job: SpeechJob, signal: AbortSignal): Promise<EngineResult> {
  const wav = await runProgram(ESPEAK, {
    // -b 1: the text is UTF-8. Without -m, `<…>` is read as text, never as SSML.
    args: ["--stdin", "--stdout", "-b", "1", "-v", espeakVoice(job.lang, job.voice), "-s", String(wordsPerMinute(job.speed))],
    input: Buffer.from(job.text, "utf8"),
    maxOutputBytes: MAX_SPEECH_PCM_BYTES + WAV_HEADER_BYTES,
    timeoutMs: MAX_SPEECH_MS,
    signal,
  });
  const pcm = readEspeakWav(wav);
  const audio = job.format === "wav" ? writeWav(pcm) : job.format === "mp3" ? await encodeMp3(pcm, signal) : await encodeWithFfmpeg(pcm, FFMPEG_OUTPUTS[job.format], signal);
  return { kind: "bytes", contentType: SPEECH_FORMATS[job.format], chunks: once(audio) };
}

function encodeWithFfmpeg(pcm: Pcm, output: string[], signal: AbortSignal): Promise<Buffer> {
  return runProgram(FFMPEG, {
    args: ["-hide_banner", "-loglevel", "error", "-f", "s16le", "-ar", String(pcm.sampleRate), "-ac", "1", "-i", "pipe:0", ...output, "pipe:1"],
    input: pcm.samples,
    // 24 kHz pcm is the one output larger than its input: 24 000 / 22 050 of it.
    maxOutputBytes: 2 * MAX_SPEECH_PCM_BYTES,
    timeoutMs: MAX_SPEECH_MS,
    signal,
  });
}

function encodeMp3(pcm: Pcm, signal: AbortSignal): Promise<Buffer> {
  return runProgram(LAME, {
    // Raw 16-bit little-endian mono in, so lame never reads espeak's placeholder WAV sizes.
    args: ["--quiet", "-r", "-s", String(pcm.sampleRate / 1000), "--bitwidth", "16", "--signed", "--little-endian", "-m", "m", "-b", String(MP3_KBPS), "-", "-"],
    input: pcm.samples,
    // MP3 at 64 kbps is a fraction of the PCM it encodes; its own frames add a few bytes.
    maxOutputBytes: MAX_SPEECH_PCM_BYTES,
    timeoutMs: MAX_SPEECH_MS,
    signal,
  });
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}
