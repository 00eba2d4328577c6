/**
 * The random-weight benchmark models: realistic sizes for CPU serving (≈30M and ≈120M
 * parameters), with the stories260K tokenizer (512 tokens, byte fallback, so any prompt
 * tokenizes). Generated into bench/models/ on first use; never committed.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { readGgufMetadata, type MetaValue } from "./format.js";
import { parameterCount, vocabSize, writeRandomLlama, type LlamaShape } from "./random-llama.js";

export const BENCH_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const GENERATED_DIR = join(BENCH_ROOT, "models");
export const SHARED_MODELS = resolve(BENCH_ROOT, "../../shared/models");
/** The tokenizer donor; its `tokenizer.ggml.*` keys are copied verbatim. */
const TOKENIZER_SOURCE = join(SHARED_MODELS, "stories260K.gguf");
/** Keys left out of the copy: stories260K stores them as -1, which llama.cpp warns about at every load. */
const SKIPPED_TOKENIZER_KEYS = new Set(["tokenizer.ggml.seperator_token_id", "tokenizer.ggml.padding_token_id"]);

export interface GeneratedModel {
  name: string;
  fileName: string;
  shape: LlamaShape;
  type: "F16" | "F32";
  seed: number;
}

/** Part of every file name: bump it whenever the generator's bytes change, so a stale file is never reused. */
const GENERATOR_VERSION = 2;

export const GENERATED_MODELS: GeneratedModel[] = [
  { name: "gen-30m", fileName: `gen-30m-f16.v${GENERATOR_VERSION}.gguf`, shape: { nLayer: 8, nEmbd: 512, nHead: 8, nHeadKv: 4, nFf: 2048, contextTokens: 2048 }, type: "F16", seed: 30 },
  { name: "gen-120m", fileName: `gen-120m-f16.v${GENERATOR_VERSION}.gguf`, shape: { nLayer: 14, nEmbd: 768, nHead: 12, nHeadKv: 4, nFf: 3072, contextTokens: 2048 }, type: "F16", seed: 120 },
];

export function tokenizerMetadata(): Map<string, MetaValue> {
  const all = readGgufMetadata(TOKENIZER_SOURCE);
  return new Map([...all].filter(([key]) => key.startsWith("tokenizer.ggml.") && !SKIPPED_TOKENIZER_KEYS.has(key)));
}

export async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

export function generatedParameters(model: GeneratedModel): number {
  return parameterCount(model.shape, vocabSize(tokenizerMetadata()));
}

/** Writes `model` into `dir` unless it is already there; returns its path. */
export function ensureGenerated(model: GeneratedModel, dir = GENERATED_DIR): string {
  const path = join(dir, model.fileName);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  writeRandomLlama(path, { name: model.name, shape: model.shape, type: model.type, seed: model.seed, tokenizer: tokenizerMetadata() });
  return path;
}
