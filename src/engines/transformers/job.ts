/**
 * What the transformers engine is asked for, built by the translation, summarization,
 * text-classification, image-classification, object-detection and image-to-text tasks. Plain JSON, as every engine job is.
 */
export type TransformersJob =
  | { kind: "translate"; text: string; sourceLang: string; targetLang: string; maxNewTokens: number; field: string }
  | { kind: "summarize"; text: string; maxNewTokens: number; field: string }
  | { kind: "classify"; text: string; field: string }
  /** A cross-encoder scores each (query, context) pair; the answer keeps the best `topK`. */
  | { kind: "rerank"; query: string; contexts: string[]; topK: number }
  /** `image` is the file's bytes as base64; the engine decodes it (sharp, with a pixel limit). */
  | { kind: "classify-image"; image: string; topK: number; field: string }
  | { kind: "detect"; image: string; threshold: number; field: string }
  /** Greedy decoding unless `sampling` is given (a `temperature` above 0). */
  | { kind: "caption"; image: string; maxNewTokens: number; repetitionPenalty?: number; sampling?: CaptionSampling; field: string };

/** Sampling settings of a caption, in transformers.js's terms. */
export interface CaptionSampling {
  temperature: number;
  topK?: number;
  topP?: number;
}

/** The `json` values those jobs answer with. */
export interface TranslateResult {
  translated_text: string;
}
export interface CaptionResult {
  description: string;
}
export interface SummarizeResult {
  summary: string;
}
export type ClassifyResult = { label: string; score: number }[];
export type RerankResult = { id: number; score: number }[];
export type DetectResult = { score: number; label: string; box: { xmin: number; ymin: number; xmax: number; ymax: number } }[];
