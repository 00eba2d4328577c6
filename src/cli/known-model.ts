import { OutpostError } from "../contract/index.js";
import type { Outpost } from "./outpost.js";
import { didYouMean } from "./suggest.js";

/** Throws MODEL_NOT_FOUND for an id that is neither a model nor an alias, naming the closest one. */
export function requireKnownModel(outpost: Outpost, model: string): void {
  if (outpost.catalog.find(outpost.catalog.resolve(model))) return;
  throw suggestModel(outpost, model, new OutpostError("MODEL_NOT_FOUND", `No such model ${model} or task`));
}

/** A MODEL_NOT_FOUND error with "Did you mean …?" added when an id is close; other errors as they are. */
export function suggestModel(outpost: Outpost, model: string, error: unknown): unknown {
  if (!(error instanceof OutpostError && error.code === "MODEL_NOT_FOUND")) return error;
  const guess = didYouMean(model, outpost.catalog.ids());
  return guess ? new OutpostError("MODEL_NOT_FOUND", `${error.message}. Did you mean ${guess}?`, { cause: error }) : error;
}
