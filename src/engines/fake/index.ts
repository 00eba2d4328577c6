import type { EngineModule } from "../../contract/index.js";
import { FakeEngine } from "./fake-engine.js";

export { FakeEngine, fakeByte, type FakeJob } from "./fake-engine.js";

export const createEngine: EngineModule["createEngine"] = () => new FakeEngine();
