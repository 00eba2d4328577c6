import type { LocalModel } from "./api.js";
import type { CatalogModel } from "./catalog/filter.js";
import type { PullState } from "./pulls.js";

/** Workers AI task names, as `models/search` spells them. */
export const TEXT_GENERATION = "Text Generation";
export const TEXT_EMBEDDINGS = "Text Embeddings";
export const TEXT_TO_IMAGE = "Text-to-Image";
export const SPEECH_RECOGNITION = "Automatic Speech Recognition";
export const TEXT_TO_SPEECH = "Text-to-Speech";
export const TRANSLATION = "Translation";
export const SUMMARIZATION = "Summarization";
export const TEXT_CLASSIFICATION = "Text Classification";
export const IMAGE_CLASSIFICATION = "Image Classification";
export const OBJECT_DETECTION = "Object Detection";
export const IMAGE_TO_TEXT = "Image-to-Text";

/** Everything the pages share: the catalog, and which models have weights on the server. */
export interface Models {
  catalog: CatalogModel[];
  /** Undefined while unknown, or when the server has no store API. */
  local: ReadonlyMap<string, LocalModel> | undefined;
  refreshLocal(): Promise<void>;
  /** Pulls this page started, by model (see usePulls). */
  pulls: ReadonlyMap<string, PullState>;
  /** Pulls a model with progress in `pulls`; `local` is refreshed once it is on the server. */
  startPull(model: string): Promise<void>;
}

/** Whether a model answers without a pull: its weights are on the server, or it is programs there (espeak-ng). */
export function isLocal(models: Pick<Models, "catalog" | "local">, name: string): boolean {
  if (models.local?.has(name)) return true;
  return models.local !== undefined && models.catalog.some((m) => m.name === name && m.properties.programs !== undefined);
}

/**
 * A model picker's choices for one task, in catalog order: those with weights on the server
 * first (they answer at once), then the rest (they need a pull). Without a store API every
 * model is in `other`. `accept` narrows the task's models (Workers AI lists rerankers under
 * text classification).
 */
export function pickerChoices(models: Pick<Models, "catalog" | "local">, task: string, accept: (name: string) => boolean = () => true): { local: string[]; other: string[] } {
  const names = models.catalog.filter((m) => m.task === task && accept(m.name)).map((m) => m.name);
  return { local: names.filter((n) => isLocal(models, n)), other: names.filter((n) => !isLocal(models, n)) };
}

/** Workers AI's rerankers (bge-reranker-base) are text classification models by task, rerankers by name. */
export const isReranker = (name: string): boolean => /rerank/i.test(name);

/** The first `count` choices, local ones first; repeats the first when there are fewer. */
export function defaultModels(choices: { local: string[]; other: string[] }, count: number): string[] {
  const all = [...choices.local, ...choices.other];
  return Array.from({ length: count }, (_, i) => all[i] ?? all[0] ?? "");
}
