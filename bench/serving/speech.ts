/**
 * Speech recognition: real-time factor (seconds of work per second of audio), Outpost over HTTP
 * (the raw WAV as the body) against the same whisper engine loaded in this process, in
 * interleaved rounds so drifting machine load hits both alike. The audio is espeak-ng speech; the model is the
 * random-weight stand-in, whose words are gibberish and whose decoding falls back to sampling,
 * so single timings scatter: compare medians.
 */
import { join } from "node:path";
import type { ModelDescriptor, TranscriptionJob } from "../../src/contract/index.js";
import { WhisperEngine } from "../../src/engines/whisper/index.js";
import { speech } from "../../test/helpers/audio.js";
import { SHARED_MODELS } from "../gguf/models.js";
import { estimate, formatEstimate, formatVerdict, halfWidth } from "./confidence.js";
import { formatLoad, interleave, onCores, type InterleaveOptions, type Interleaved } from "./interleave.js";
import { startOutpost } from "./outpost.js";
import type { BenchPart } from "./part.js";
import { fmt, table } from "./report.js";
import { percentile } from "./stats.js";

export const SPEECH_MODEL = "@outpost/whisper-micro-en-standin";

export interface SpeechRow {
  audioS: number;
  directRtf: number[];
  outpostRtf: number[];
  /** Per pair, direct seconds / Outpost seconds: Outpost's share of direct throughput. */
  ratios: number[];
  interleaved: Interleaved;
}

const SENTENCE = "The quick brown fox jumps over the lazy dog, and the dog does not mind at all. ";

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

/** `sentences` sentences of espeak-ng speech per clip; one server and one in-process model, both on `threads` threads. */
export async function speechCost(sharedModels: string, threads: number, sentences: number[], options: InterleaveOptions, log: (line: string) => void): Promise<SpeechRow[]> {
  const model: ModelDescriptor = { id: SPEECH_MODEL, task: "speech-recognition", engine: "whisper", chatTemplate: "bare", contextTokens: 448, maxTokensDefault: 0, maxTokensStreamDefault: 0, speechRecognition: { output: "words" } };
  await using loaded = await new WhisperEngine().load({ model, path: join(sharedModels, "standins/whisper-micro.en.bin"), slots: 1, threads });
  const server = await startOutpost({ threads, "model-mirror": sharedModels, "keep-alive-ms": 600_000 });
  const rows: SpeechRow[] = [];
  try {
    for (const count of sentences) {
      const wav = speech(SENTENCE.repeat(count));
      const audioS = wav.readUInt32LE(40) / 2 / wav.readUInt32LE(24);
      const job: TranscriptionJob = { audio: wav.toString("base64"), task: "transcribe", field: "/audio", output: "words" };
      const direct = () => loaded.run(job, new AbortController().signal);
      const viaHttp = async () => {
        const response = await fetch(`${server.url}/ai/run/${SPEECH_MODEL}`, { method: "POST", body: new Uint8Array(wav) });
        if (response.status !== 200) throw new Error(`HTTP ${response.status} ${await response.text()}`);
        await response.json();
      };
      log(`speech-recognition ${audioS.toFixed(1)} s: warming both sides`);
      await direct();
      await viaHttp();
      const seconds = { direct: [] as number[], outpost: [] as number[] };
      const ratios = () => seconds.outpost.map((o, i) => (seconds.direct[i] ?? Number.NaN) / o);
      const interleaved = await interleave(
        ["direct", "outpost"] as const,
        async (side, round) => {
          if (side === "direct") log(`speech-recognition ${audioS.toFixed(1)} s round ${round + 1}`);
          seconds[side].push(await timed(side === "direct" ? direct : viaHttp));
        },
        { ...options, enough: () => halfWidth(estimate(ratios())) <= 0.03 },
      );
      const row: SpeechRow = { audioS, directRtf: seconds.direct.map((d) => d / audioS), outpostRtf: seconds.outpost.map((o) => o / audioS), ratios: ratios(), interleaved };
      rows.push(row);
    }
  } finally {
    await server.stop();
  }
  return rows;
}

export const speechPart: BenchPart = {
  name: "speech",
  options: { "speech-sentences": { type: "string", default: "1,4" } },
  async run(ctx) {
    const med = (xs: number[]) => percentile(xs, 50);
    const options = { minRounds: 6, maxRounds: 20, budgetMs: (ctx.quick ? 10 : 40) * 1000 };
    const rows = await speechCost(SHARED_MODELS, ctx.threads, ctx.ints("speech-sentences"), options, ctx.log);
    const lines = rows.map((r) => {
      const ratio = estimate(r.ratios);
      ctx.out.write("speech-recognition", { ...r, threads: ctx.threads, mode: ctx.mode, directRtfMedian: med(r.directRtf), outpostRtfMedian: med(r.outpostRtf), ratio, rounds: r.interleaved.rounds, load: r.interleaved.load });
      return [fmt(r.audioS, 1), fmt(med(r.directRtf), 3), fmt(med(r.outpostRtf), 3), formatEstimate(ratio, "percent"), String(r.interleaved.rounds), formatLoad(r.interleaved.load), formatVerdict(ratio, { atLeast: 0.95 }, "≥ 95%", onCores(r.interleaved.load))];
    });
    return [
      table(
        `Speech recognition (random-weight whisper stand-in, espeak-ng speech), ${ctx.threads} whisper.cpp thread(s), real-time factor: seconds of work per second of audio (medians of interleaved rounds); outpost/direct paired per round, median [95% interval]`,
        ["audio s", "direct RTF", "outpost RTF", "outpost/direct", "rounds", "load, steal, other", "target"],
        lines,
      ),
    ];
  },
};
