import { join } from "node:path";
import { GENERATED_MODELS, SHARED_MODELS, ensureGenerated } from "../gguf/models.js";

export interface BenchModel {
  /** Short name used on the command line and in the output. */
  name: string;
  /** The id Outpost serves it under: a catalog id, or the name it is registered as with `outpost models add`. */
  catalogId: string;
  /** Not in the catalog: registered as a custom model (bare template, `contextTokens`) before Outpost runs it. */
  custom: boolean;
  fileName: string;
  quantisation: string;
  /** Context per sequence, as the catalog entry sets it (both sides use the same). */
  contextTokens: number;
  /** Prompts the model's vocabulary can tokenize (TinyStories-656K has no byte fallback). */
  prompts: string[];
  /** Tokens per request and total tokens per run: bigger models get smaller runs. */
  maxTokens: { quick: number; full: number };
  runTokens: { quick: number; full: number };
  /** Absolute path of the weights, generating them first if need be. */
  path(): string;
}

const STORY_PROMPTS = ["Once upon a time", "One day, a little girl named Lily", "Tom and his dog went to the park", "There was a big red ball"];

const shared = (fileName: string) => () => join(SHARED_MODELS, fileName);

export const BENCH_MODELS: BenchModel[] = [
  {
    name: "stories260k",
    catalogId: "@cf/karpathy/tinyllamas-stories-260k",
    custom: false,
    fileName: "stories260K.gguf",
    quantisation: "F32",
    contextTokens: 512,
    prompts: STORY_PROMPTS,
    maxTokens: { quick: 64, full: 256 },
    runTokens: { quick: 2048, full: 8192 },
    path: shared("stories260K.gguf"),
  },
  {
    name: "tinystories-656k",
    catalogId: "@cf/raincandy-u/tinystories-656k",
    custom: false,
    fileName: "TinyStories-656K-Q8_0.gguf",
    quantisation: "Q8_0",
    contextTokens: 512,
    prompts: STORY_PROMPTS,
    maxTokens: { quick: 64, full: 256 },
    runTokens: { quick: 2048, full: 8192 },
    path: shared("TinyStories-656K-Q8_0.gguf"),
  },
  ...GENERATED_MODELS.map(
    (model): BenchModel => ({
      name: model.name,
      catalogId: `@bench/${model.name}`,
      custom: true,
      fileName: model.fileName,
      quantisation: model.type,
      contextTokens: 512,
      prompts: STORY_PROMPTS,
      maxTokens: model.name === "gen-30m" ? { quick: 32, full: 128 } : { quick: 16, full: 64 },
      runTokens: model.name === "gen-30m" ? { quick: 512, full: 2048 } : { quick: 256, full: 1024 },
      path: () => ensureGenerated(model),
    }),
  ),
];

export function benchModel(name: string): BenchModel {
  const model = BENCH_MODELS.find((m) => m.name === name);
  if (!model) throw new Error(`unknown model '${name}'; known: ${BENCH_MODELS.map((m) => m.name).join(", ")}`);
  return model;
}
