import type { TranscriptionJob, Transcript, WireError } from "../../contract/index.js";

/** What the worker thread is started with. */
export interface WorkerInit {
  path: string;
  threads: number;
  /** One Int32 the engine sets to 1 to cancel the running job, read between windows. */
  cancel: SharedArrayBuffer;
}

export type ToWorker = { id: number; job: TranscriptionJob };
/** A streamed job (`job.stream`) also gets each window's trimmed text as soon as it is transcribed, before its transcript. */
export type FromWorker = { ready: true } | { id: number; window: string } | { id: number; transcript: Transcript } | { id: number; error: WireError };
