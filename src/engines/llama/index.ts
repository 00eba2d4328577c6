import type { EngineModule } from "../../contract/index.js";
import { LlamaEngine } from "./llama-engine.js";

export { LlamaEngine };

export const createEngine: EngineModule["createEngine"] = (settings) => new LlamaEngine(settings);
