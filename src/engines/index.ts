export { ENGINES, ENGINE_NAMES, createEngine, isEngineName, type EngineName } from "./registry.js";
