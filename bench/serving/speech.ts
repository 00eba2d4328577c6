/**
 * Speech recognition: real-time factor (seconds of work per second of audio), Outpost over HTTP
 * (the raw WAV as the body) against the same whisper engine loaded in this process, interleaved
 * so drifting machine load hits both alike. The audio is espeak-ng speech; the model is the
 * random-weight stand-in, whose words are gibberish and whose decoding falls back to sampling,
 * so single timings scatter: compare medians.
 */
import { join } from "node:path";
import type { ModelDescriptor, TranscriptionJob } from "../../src/contract/index.js";
import { WhisperEngine } from "../../src/engines/whisper/index.js";
import { speech } from "../../test/helpers/audio.js";
import { startOutpost } from "./outpost.js";

export const SPEECH_MODEL = "@outpost/whisper-micro-en-standin";

export interface SpeechRow {
  audioS: number;
  repeats: number;
  directRtf: number[];
  outpostRtf: number[];
  /** Per pair, direct seconds / Outpost seconds: Outpost's share of direct throughput. */
  ratios: number[];
}

const SENTENCE = "The quick brown fox jumps over the lazy dog, and the dog does not mind at all. ";

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

/** `sentences` sentences of espeak-ng speech per clip; one server and one in-process model, both on `threads` threads. */
export async function speechCost(sharedModels: string, threads: number, sentences: number[], repeats: number, log: (line: string) => void): Promise<SpeechRow[]> {
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
      const row: SpeechRow = { audioS, repeats, directRtf: [], outpostRtf: [], ratios: [] };
      for (let r = 0; r < repeats; r++) {
        log(`speech-recognition ${audioS.toFixed(1)} s repeat ${r + 1}/${repeats}`);
        const first = r % 2 === 0;
        const a = await timed(first ? direct : viaHttp);
        const b = await timed(first ? viaHttp : direct);
        const [d, o] = first ? [a, b] : [b, a];
        row.directRtf.push(d / audioS);
        row.outpostRtf.push(o / audioS);
        row.ratios.push(d / o);
      }
      rows.push(row);
    }
  } finally {
    await server.stop();
  }
  return rows;
}
