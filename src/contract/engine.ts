/**
 * The engine boundary: what an engine takes and gives, in terms the scheduler, the runner IPC
 * and NATS move without looking inside. Adding an engine is one folder under `src/engines/`
 * implementing {@link Engine}, one line in `src/engines/registry.ts`, its task file under
 * `src/tasks/` and catalog entries naming the engine.
 */
import type { ComputeReport, GpuLayers, GpuMode } from "./compute.js";
import type { ModelDescriptor } from "./model.js";
import type { RunEvent } from "./run.js";

/**
 * Work for an engine: a task-specific payload, built by the task's `prepare()` and read only by
 * the engine the model names. Transports carry it as an opaque value, so it must survive
 * structured clone and JSON: plain objects, arrays, strings, numbers, booleans, null.
 * Binary inputs (an image for img2img) travel as base64 strings.
 */
export type EngineJob = unknown;

/**
 * What an engine answers with. The transports know only these three shapes:
 * - `events`: a stream of {@link RunEvent}s (tokens, ending with `done` or `error`);
 * - `json`: one JSON value, of any size (it is chunked on the wire);
 * - `bytes`: a body of any size with its content type, produced and carried in chunks.
 */
export type EngineResult =
  | { kind: "events"; events: AsyncIterable<RunEvent> }
  | { kind: "json"; value: unknown }
  | { kind: "bytes"; contentType: string; chunks: AsyncIterable<Uint8Array> };

export type EngineResultKind = EngineResult["kind"];

/** How a runner asks its engine to load a model. */
export interface EngineLoadOptions {
  /** The model as its task sees it: id, task and the catalog's settings for it. */
  model: ModelDescriptor;
  /**
   * The verified weights: the model's one file, or for a multi-file model the directory that
   * holds its files in their catalog layout (e.g. `text_encoder/model.onnx`, `unet/model.onnx`).
   */
  path: string;
  /**
   * Requests the scheduler may hand this model at once; an engine that batches (llama.cpp
   * sequences) sizes itself for this many, one that does not may serve them one by one.
   */
  slots: number;
  /** CPU threads the model may use. The scheduler's thread budget counts them. */
  threads: number;
  /**
   * GPU memory the model may take, in bytes: the VRAM budget less what the other loaded models
   * measured. An engine on a GPU offloads only what fits; undefined: no limit but the device's.
   */
  vramBytes?: number;
}

/** How a runner's engines are set up: the same for every runner of a server (its GPU settings). */
export interface EngineSettings {
  gpu: GpuMode;
  gpuLayers: GpuLayers;
  /** A directory where engines keep what they learned about this machine, such as node-llama-cpp's binary verdict. */
  cacheDir: string;
}

export interface LoadedModelInfo {
  /** Bytes of the weights on disk (all files of a multi-file model). */
  sizeBytes: number;
  /** GPU memory the loaded model holds, measured by its engine after load; 0 or absent on the CPU. */
  vramBytes?: number;
}

/**
 * A model held by an engine. `run()` is called for at most `slots` jobs at a time; it resolves
 * once the result's shape is known (a stream may still be running). Aborting `signal` must
 * stop the work soon (within a token, a diffusion step) and end the result with ABORTED.
 */
export interface LoadedModel extends AsyncDisposable {
  readonly info: LoadedModelInfo;
  /** Throws an OutpostError (INPUT_INVALID, INPUT_TOO_LARGE…) for a job it cannot serve. */
  run(job: EngineJob, signal: AbortSignal): Promise<EngineResult>;
}

/** One engine implementation. A runner process creates one and loads one model with it. */
export interface Engine {
  load(options: EngineLoadOptions): Promise<LoadedModel>;
  /** What it computes on now (backend, devices, free VRAM); engines that never use a GPU have none. */
  compute?(): Promise<ComputeReport>;
}

/** What an engine module (`src/engines/<name>/index.ts`) exports for the registry. */
export interface EngineModule {
  createEngine(settings: EngineSettings): Engine;
}
