import type { EngineJob, EngineResult } from "./engine.js";
import { OutpostError } from "./errors.js";
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
  /**
   * Chat template family name (see tasks/chat-templates.ts), or "gguf" for the file's own.
   * This and the two `max_tokens` defaults are set for text-generation models only.
   */
  chatTemplate?: string;
  /** Context window in tokens, for models that take text: their input's limit. */
  contextTokens?: number;
  /** `max_tokens` when the caller gives none, for plain and streamed requests. */
  maxTokensDefault?: number;
  maxTokensStreamDefault?: number;
  /** System message placed before a plain `prompt`, as Workers AI did for this model. */
  systemPrompt?: string;
  /** text-to-image models: sampler and defaults. */
  imageGeneration?: ImageGenerationSettings;
  /** speech-recognition models: the answer's shape. */
  speechRecognition?: SpeechRecognitionSettings;
}

/** A text-generation model's descriptor: the fields every such catalog entry sets. */
export type TextModel = ModelDescriptor & Required<Pick<ModelDescriptor, "chatTemplate" | "contextTokens" | "maxTokensDefault" | "maxTokensStreamDefault">>;

/** `model` as a text-generation model; a catalog entry that lacks a text field is Outpost's bug. */
export function textModel(model: ModelDescriptor): TextModel {
  const { chatTemplate, contextTokens, maxTokensDefault, maxTokensStreamDefault } = model;
  if (chatTemplate === undefined || contextTokens === undefined || maxTokensDefault === undefined || maxTokensStreamDefault === undefined) {
    throw new OutpostError("INTERNAL", `Model ${model.id} has no chat template, context window or max_tokens defaults in the catalog`);
  }
  return { ...model, chatTemplate, contextTokens, maxTokensDefault, maxTokensStreamDefault };
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
