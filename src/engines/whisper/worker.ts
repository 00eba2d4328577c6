/**
 * The whisper worker thread. whisper.cpp's `full()` is synchronous and takes seconds per
 * window; here it blocks only this thread, so the runner's event loop keeps answering IPC
 * (grants, cancels) while a job runs. Jobs come one at a time; a cancel sets the shared flag,
 * seen between windows.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Whisper, WhisperFullParams, WhisperSamplingStrategy, decodeAudio, type Segment } from "@napi-rs/whisper";
import { OutpostError, type TranscriptionJob, type Transcript } from "../../contract/index.js";
import { decodeToWhisperInput } from "./audio.js";
import { WHISPER_SAMPLE_RATE, WINDOW_SECONDS } from "./constants.js";
import { buildSegments, type WindowOutput } from "./transcript.js";
import type { FromWorker, ToWorker, WorkerInit } from "./worker-protocol.js";

const { path, threads, cancel } = workerData as WorkerInit;
const whisper = new Whisper(path);
const multilingual = whisper.isMultilingual !== 0;
/** Pieces whisper.cpp reports through its segment callback, delivered on this thread's event loop. */
let pieces: Segment[] = [];
const cancelled = new Int32Array(cancel);

const port = parentPort!;
port.on("message", (message: ToWorker) => {
  transcribe(message.job, (text) => port.postMessage({ id: message.id, window: text } satisfies FromWorker))
    .then((transcript): FromWorker => ({ id: message.id, transcript }))
    .catch((error: unknown): FromWorker => ({ id: message.id, error: OutpostError.from(error).toWire() }))
    .then((reply) => port.postMessage(reply));
});
port.postMessage({ ready: true } satisfies FromWorker);

async function transcribe(job: TranscriptionJob, onWindow: (text: string) => void): Promise<Transcript> {
  const language = checkLanguage(job);
  const samples = decodeToWhisperInput(Buffer.from(job.audio, "base64"), job.field, decodeAudio);
  const durationS = samples.length / WHISPER_SAMPLE_RATE;
  const windowSamples = WINDOW_SECONDS * WHISPER_SAMPLE_RATE;
  const windows: WindowOutput[] = [];
  const texts: string[] = [];
  let detected = language;
  for (let start = 0; start < samples.length; start += windowSamples) {
    if (Atomics.load(cancelled, 0) !== 0) throw new OutpostError("ABORTED", "The request was cancelled");
    const chunk = samples.subarray(start, start + windowSamples);
    const params = paramsFor(job, language, start === 0);
    pieces = [];
    const text = whisper.full(params, chunk);
    await delivered(text);
    if (start === 0 && language === "auto") detected = Whisper.lang(whisper.fullLangId) ?? "en";
    texts.push(text.trim());
    if (job.stream) onWindow(text.trim());
    windows.push({ offsetS: start / WHISPER_SAMPLE_RATE, durationS: chunk.length / WHISPER_SAMPLE_RATE, pieces });
  }
  return { text: texts.filter(Boolean).join(" "), language: detected, durationS, segments: buildSegments(windows, durationS) };
}

function checkLanguage(job: TranscriptionJob): string {
  const invalid = (field: string, message: string) => new OutpostError("INPUT_INVALID", `Invalid input at '${field}': ${message}`);
  if (!multilingual) {
    if (job.task === "translate") throw invalid("/task", "this model is English-only and does not translate");
    if (job.language !== undefined && job.language !== "en") throw invalid("/language", `this model is English-only, not '${job.language}'`);
    return "en";
  }
  if (job.language === undefined) return "auto";
  if (Whisper.langId(job.language) < 0) throw invalid("/language", `'${job.language}' is not a language Whisper knows`);
  return job.language;
}

function paramsFor(job: TranscriptionJob, language: string, first: boolean): WhisperFullParams {
  const params = new WhisperFullParams(WhisperSamplingStrategy.Greedy);
  params.nThreads = threads;
  params.language = language;
  params.translate = job.task === "translate";
  params.printProgress = false;
  params.printRealtime = false;
  params.printTimestamps = false;
  // One piece per word, with token timestamps: the words and their times Workers AI answers.
  params.tokenTimestamps = true;
  params.maxLen = 1;
  params.splitOnWord = true;
  // The first window starts fresh (no text of an earlier request); later ones continue the last.
  params.noContext = first;
  if (first && job.initialPrompt) params.initialPrompt = job.initialPrompt;
  params.onNewSegment = (segment) => pieces.push(segment);
  return params;
}

/**
 * Waits for the segment callbacks of the `full()` call that returned `text`: whisper.cpp queues
 * them to this thread's loop, so they arrive after it returns. They are all in once their texts
 * spell `text`; a bounded number of loop turns covers a callback that never comes.
 */
async function delivered(text: string): Promise<void> {
  const target = text.replace(/\s+/g, "");
  for (let turn = 0; turn < 1_000; turn++) {
    if (pieces.map((p) => p.text).join("").replace(/\s+/g, "") === target) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
