import type { EngineModule } from "../../contract/index.js";
import { TfjsEngine } from "./tfjs-engine.js";

export { TfjsEngine } from "./tfjs-engine.js";

export const createEngine: EngineModule["createEngine"] = () => new TfjsEngine();
