import type { EngineModule } from "../../contract/index.js";
import { WhisperEngine } from "./whisper-engine.js";

export { WhisperEngine } from "./whisper-engine.js";

export const createEngine: EngineModule["createEngine"] = () => new WhisperEngine();
