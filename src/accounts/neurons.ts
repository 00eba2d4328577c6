import type { RequestRecord } from "../contract/index.js";

/** A model's published rate: neurons per `unit` of input and of output (catalog `neurons`). */
export interface NeuronRate {
  input?: number;
  output?: number;
  /** "1M tokens" (the default), "image", "audio minute". */
  unit?: string;
}

/**
 * Rates for models the pricing page does not list, by task. Text generation and embeddings
 * take the reference's current models (llama-3.1-8b-instruct, bge-base); every other task
 * costs one neuron per request, about what Workers AI charges a small classifier.
 */
export const DEFAULT_RATES: Record<string, NeuronRate> = {
  "text-generation": { input: 25_608, output: 75_147, unit: "1M tokens" },
  "text-embeddings": { input: 6_058, unit: "1M tokens" },
};
const PER_REQUEST: NeuronRate = { input: 1, unit: "request" };

/**
 * The neurons one finished request cost. Token rates charge the reported input and output
 * tokens; per-image and per-audio-minute rates charge one unit per request (Outpost does not
 * measure audio length). A failed request costs nothing, as on Workers AI.
 */
export function neuronsFor(record: Pick<RequestRecord, "status" | "task" | "promptTokens" | "completionTokens">, rate: NeuronRate | undefined): number {
  if (record.status !== 200) return 0;
  const applied = rate ?? DEFAULT_RATES[record.task] ?? PER_REQUEST;
  if ((applied.unit ?? "1M tokens") !== "1M tokens") return applied.input ?? 0;
  return ((record.promptTokens ?? 0) * (applied.input ?? 0) + (record.completionTokens ?? 0) * (applied.output ?? 0)) / 1_000_000;
}
