import type { EngineModule } from "../../contract/index.js";
import { DiffusionEngine } from "./diffusion-engine.js";

export const createEngine: EngineModule["createEngine"] = (settings) => new DiffusionEngine(settings);
