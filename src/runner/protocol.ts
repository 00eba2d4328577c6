import type { EngineJob, EngineLoadOptions, Frame, LoadedModelInfo, WireError } from "../contract/index.js";

/**
 * IPC between the server and a runner process. Every request carries an `id`; its result comes
 * back as frames (contract/frames.ts), flow-controlled by `grant`s exactly as over NATS.
 */
export type ToRunner =
  /** Loads `options.model` with the engine it names. */
  | { type: "load"; options: EngineLoadOptions }
  | { type: "run"; id: number; job: EngineJob }
  | { type: "grant"; id: number; upTo: number }
  | { type: "cancel"; id: number };

export type FromRunner =
  | { type: "loaded"; info: LoadedModelInfo }
  | { type: "load-failed"; error: WireError }
  | { type: "frame"; id: number; frame: Frame };
