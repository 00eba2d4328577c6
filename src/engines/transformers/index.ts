import type { EngineModule } from "../../contract/index.js";
import { TransformersEngine } from "./transformers-engine.js";

export { TransformersEngine } from "./transformers-engine.js";
export type { TransformersJob, TranslateResult, SummarizeResult, ClassifyResult, CaptionResult } from "./job.js";

export const createEngine: EngineModule["createEngine"] = (settings) => new TransformersEngine(settings);
