import type { EngineModule } from "../../contract/index.js";
import { EspeakEngine } from "./espeak-engine.js";

export const createEngine: EngineModule["createEngine"] = () => new EspeakEngine();
