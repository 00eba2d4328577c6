import type { EngineJob, EngineResult } from "./engine.js";
import type { ImageGenerationSettings } from "./image.js";
import type { SpeechRecognitionSettings } from "./speech-recognition.js";
import type { RunOptions, TaskId } from "./run.js";

/** What a task needs to know about a model to validate and prepare a request for it. */
export interface ModelDescriptor {
  /** Workers AI style id, e.g. `@cf/meta/llama-2-7b-chat-int8`. */
  id: string;
  task: TaskId;
  /** The engine that runs it: a name in engines/registry.ts. */
  engine: string;
  /** Chat template family name (see tasks/chat-templates.ts), or "gguf" for the file's own. */
  chatTemplate: string;
  /** Context window in tokens. */
  contextTokens: number;
  /** `max_tokens` when the caller gives none, for plain and streamed requests. */
  maxTokensDefault: number;
  maxTokensStreamDefault: number;
  /** System message placed before a plain `prompt`, as Workers AI did for this model. */
  systemPrompt?: string;
  /** text-to-image models: sampler and defaults. */
  imageGeneration?: ImageGenerationSettings;
  /** speech-recognition models: the answer's shape. */
  speechRecognition?: SpeechRecognitionSettings;
}

/** Workers AI `models/search` item. */
export interface ModelSearchItem {
  id: string;
  source: number;
  name: string;
  description: string;
  task: { id: string; name: string; description: string };
  created_at?: string;
  tags: string[];
  properties: { property_id: string; value: unknown }[];
}

export interface ModelSearchParams {
  search?: string;
  task?: string;
  author?: string;
  source?: number;
  hide_experimental?: boolean;
  page?: number;
  per_page?: number;
}

/**
 * Where inference happens: this process's scheduler, or (later) the network. The binding is
 * written against this, so single-process and network mode run the same code above it.
 */
export interface Backend {
  /** Throws MODEL_NOT_FOUND for an unknown id. */
  describe(model: string): ModelDescriptor;
  execute(model: string, job: EngineJob, options: RunOptions): Promise<EngineResult>;
  /** Throws QUEUE_FULL when a request for `model` would be refused now, whatever its inputs: lets surfaces refuse before reading a body. */
  checkCapacity?(model: string): void;
  search(params: ModelSearchParams): ModelSearchItem[];
}
