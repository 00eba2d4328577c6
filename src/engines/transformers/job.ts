/**
 * What the transformers engine is asked for, built by the translation, summarization and
 * text-classification tasks. Plain JSON, as every engine job is.
 */
export type TransformersJob =
  | { kind: "translate"; text: string; sourceLang: string; targetLang: string; maxNewTokens: number; field: string }
  | { kind: "summarize"; text: string; maxNewTokens: number; field: string }
  | { kind: "classify"; text: string; field: string };

/** The `json` values those jobs answer with. */
export interface TranslateResult {
  translated_text: string;
}
export interface SummarizeResult {
  summary: string;
}
export type ClassifyResult = { label: string; score: number }[];
