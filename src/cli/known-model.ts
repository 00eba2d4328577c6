import { OutpostError } from "../contract/index.js";
import type { Outpost } from "./outpost.js";
import { didYouMean } from "./suggest.js";

/** Throws MODEL_NOT_FOUND for an id that is neither a model nor an alias, naming the closest one. */
export function requireKnownModel(outpost: Outpost, model: string): void {
  if (outpost.catalog.find(outpost.catalog.resolve(model))) return;
  const guess = didYouMean(model, outpost.catalog.ids());
  throw new OutpostError("MODEL_NOT_FOUND", `No such model ${model} or task${guess ? `. Did you mean ${guess}?` : ""}`);
}
