import { OutpostError, type Engine, type EngineModule, type EngineSettings } from "../contract/index.js";
import { engineSettings, loadConfig } from "../config/index.js";

/**
 * Every engine this build has, by the name catalog entries give in `engine`. Each loads its
 * module on demand, so a runner process imports only the engine its model needs (and the
 * server process none). Adding an engine is one line here.
 */
export const ENGINES = {
  llama: () => import("./llama/index.js"),
  transformers: () => import("./transformers/index.js"),
  diffusion: () => import("./diffusion/index.js"),
  espeak: () => import("./espeak/index.js"),
  whisper: () => import("./whisper/index.js"),
  tfjs: () => import("./tfjs/index.js"),
  /** Deterministic, weightless: for the transports' and the scheduler's tests; no catalog entry names it. */
  fake: () => import("./fake/index.js"),
} as const satisfies Record<string, () => Promise<EngineModule>>;

export type EngineName = keyof typeof ENGINES;

export const ENGINE_NAMES: ReadonlySet<string> = new Set(Object.keys(ENGINES));

export function isEngineName(name: string): name is EngineName {
  return ENGINE_NAMES.has(name);
}

/**
 * Imports the named engine's module and creates the engine; ENGINE_UNAVAILABLE for a name this
 * build lacks. The settings default to this process's configuration: a runner is started with
 * the server's (config's runnerEnvironment).
 */
export async function createEngine(name: string, settings: EngineSettings = engineSettings(loadConfig())): Promise<Engine> {
  if (!isEngineName(name)) throw new OutpostError("ENGINE_UNAVAILABLE", `This Outpost build has no ${name} engine`);
  const module: EngineModule = await ENGINES[name]();
  return module.createEngine(settings);
}
