import type { LocalModel } from "./api.js";
import type { CatalogModel } from "./catalog/filter.js";
import type { PullState } from "./pulls.js";

/** Workers AI task names, as `models/search` spells them. */
export const TEXT_GENERATION = "Text Generation";
export const TEXT_EMBEDDINGS = "Text Embeddings";
export const TEXT_TO_IMAGE = "Text-to-Image";

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

/**
 * A model picker's choices for one task, in catalog order: those with weights on the server
 * first (they answer at once), then the rest (they need a pull). Without a store API every
 * model is in `other`.
 */
export function pickerChoices(models: Pick<Models, "catalog" | "local">, task: string): { local: string[]; other: string[] } {
  const names = models.catalog.filter((m) => m.task === task).map((m) => m.name);
  return { local: names.filter((n) => models.local?.has(n)), other: names.filter((n) => !models.local?.has(n)) };
}

/** The first `count` choices, local ones first; repeats the first when there are fewer. */
export function defaultModels(choices: { local: string[]; other: string[] }, count: number): string[] {
  const all = [...choices.local, ...choices.other];
  return Array.from({ length: count }, (_, i) => all[i] ?? all[0] ?? "");
}
