export type { Engine, EngineLoadOptions, LoadedModel, LoadedModelInfo } from "./engine.js";
export { LlamaEngine } from "./llama/llama-engine.js";
