import type { ImageGenerationSettings, SpeechRecognitionSettings, TaskId } from "../contract/index.js";

/** One file of a multi-file model. */
export interface ArtifactFile {
  /** Path inside the model's folder, `/`-separated, e.g. `unet/model.onnx`. */
  path: string;
  /** Expected size in bytes, when known. */
  sizeBytes?: number;
  /** Expected sha256 (hex), when known: a mismatch means the model is never loaded. */
  sha256?: string;
}

/**
 * Where a model's weights come from: one file, or (with `files`) a folder of files pulled,
 * verified and stored as one unit.
 */
export interface Artifact {
  /**
   * File name in the store and in a mirror directory, e.g. `stories260K.gguf`. For a
   * multi-file model, the folder holding its files in a mirror, e.g. `standins/sd-tiny`.
   */
  fileName: string;
  /**
   * Hugging Face repo and path; fetched through `https://huggingface.co/{repo}/resolve/{revision}/{path}`.
   * For a multi-file model `path` is the folder in the repo ("" for its root), and each file is
   * fetched from `{path}/{file.path}`.
   */
  huggingFace?: { repo: string; path: string; revision?: string };
  /** Any https URL, for files not on Hugging Face (for a multi-file model, the folder's URL). */
  url?: string;
  /** Set for a multi-file model: every file of its folder. Size and sha256 below are then the files'. */
  files?: ArtifactFile[];
  /** Expected size in bytes, when known: checked before and after download. */
  sizeBytes?: number;
  /** Expected sha256 (hex), when known: a mismatch means the file is never loaded. */
  sha256?: string;
}

export interface CatalogEntry {
  /** Workers AI id, e.g. `@cf/meta/llama-2-7b-chat-int8`. */
  id: string;
  task: TaskId;
  description: string;
  /**
   * The engine that runs it: a name in engines/registry.ts. Entries may name engines this build
   * lacks (`diffusion`, `whisper`, `onnx`): they are listed and answer ENGINE_UNAVAILABLE.
   */
  engine: string;
  /** Context window in tokens, for models that take text (a text-generation model must set it). */
  contextTokens?: number;
  /**
   * Default `max_tokens` for plain and streamed requests (Workers AI: 256 / per-model stream
   * default), and the chat template family (tasks/chat-templates.ts) or "gguf" for the file's
   * own: text-generation models only.
   */
  maxTokensDefault?: number;
  maxTokensStreamDefault?: number;
  chatTemplate?: string;
  /**
   * System message Workers AI put before a plain (non-raw) `prompt`; absent for none. Messages
   * requests carry their own system prompt.
   */
  systemPrompt?: string;
  /** Workers AI properties as `property_id` → value (beta, terms, info, …). */
  properties: Record<string, unknown>;
  /** Neurons per million tokens (or per unit for non-text tasks), where Cloudflare published it. */
  neurons?: { input?: number; output?: number; unit?: string };
  /** Set for models Outpost can run on a CPU: a GGUF (or other engine file) to fetch. */
  artifact?: Artifact;
  /**
   * Set for a model that is programs on this machine instead of weights (espeak-ng): there is
   * nothing to pull, and its engine names the Debian package to install when one is missing.
   */
  programs?: string[];
  /** text-to-image models: sampler and defaults. */
  imageGeneration?: ImageGenerationSettings;
  /** speech-recognition models: the answer's shape. */
  speechRecognition?: SpeechRecognitionSettings;
  /** Output vector size, for text-embeddings models. */
  embeddingDimensions?: number;
  /** Marks models added by `outpost models add` rather than shipped in the catalog. */
  custom?: boolean;
  createdAt?: string;
}
