import type { EmbedResult, EngineJob, RunEvent } from "../contract/index.js";

export interface EngineLoadOptions {
  modelPath: string;
  /** Context window per sequence, in tokens. */
  contextTokens: number;
  /** Sequences decoded together in one batch: the most requests served at once. */
  slots: number;
  /** llama.cpp threads for this model. */
  threads: number;
  /** Load for embeddings rather than generation. */
  embedding: boolean;
}

export interface LoadedModelInfo {
  /** Context the model was trained with, from its metadata. */
  trainContextTokens: number;
  /** Bytes of the weights file. */
  sizeBytes: number;
}

/** A model held by an engine. Each generate() occupies one slot until its events end. */
export interface LoadedModel extends AsyncDisposable {
  info: LoadedModelInfo;
  generate(job: Extract<EngineJob, { kind: "generate" | "chat" }>, signal: AbortSignal): AsyncIterable<RunEvent>;
  embed(job: Extract<EngineJob, { kind: "embed" }>, signal: AbortSignal): Promise<EmbedResult>;
}

export interface Engine {
  load(options: EngineLoadOptions): Promise<LoadedModel>;
}
