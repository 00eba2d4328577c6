import type { EmbedResult, EngineJob, FinishReason, Usage, WireError } from "../contract/index.js";
import type { EngineLoadOptions, LoadedModelInfo } from "../engines/index.js";

/**
 * IPC between the server and a runner process. Every request carries an `id`; a token stream
 * is flow-controlled by credits: the runner sends at most `credit` tokens ahead of what the
 * server has handed on, so a slow client pauses generation instead of growing memory.
 */
export type ToRunner =
  | { type: "load"; options: EngineLoadOptions }
  | { type: "run"; id: number; job: EngineJob; credit: number }
  | { type: "credit"; id: number; credit: number }
  | { type: "cancel"; id: number };

export type FromRunner =
  | { type: "loaded"; info: LoadedModelInfo }
  | { type: "load-failed"; error: WireError }
  | { type: "token"; id: number; text: string }
  | { type: "done"; id: number; usage: Usage; finishReason: FinishReason }
  | { type: "embedded"; id: number; value: EmbedResult }
  | { type: "error"; id: number; error: WireError };
