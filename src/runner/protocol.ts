import type { ComputeReport, EngineJob, EngineLoadOptions, Frame, LoadedModelInfo, WireError } from "../contract/index.js";

/** How often a runner says it is alive; the server kills one silent past its heartbeat timeout. */
export const HEARTBEAT_INTERVAL_MS = 1_000;
/**
 * The runner's file descriptor (the server's `stdio` index) of the pipe its heartbeats cross,
 * one byte each: a pipe of their own, because they come from a worker thread (runner/heartbeat.ts),
 * which cannot write to the IPC channel.
 */
export const HEARTBEAT_FD = 4;

/**
 * IPC between the server and a runner process. Every request carries an `id`; its result comes
 * back as frames (contract/frames.ts), flow-controlled by `grant`s exactly as over NATS.
 */
export type ToRunner =
  /** A spare runner: create `engine` now (import it, its model-independent setup) so a later load is quick. */
  | { type: "prepare"; engine: string }
  /** Loads `options.model` with the engine it names. */
  | { type: "load"; options: EngineLoadOptions }
  | { type: "run"; id: number; job: EngineJob }
  | { type: "grant"; id: number; upTo: number }
  /** Stops a job; its stream ends with `reason` (a TIMEOUT), or ABORTED. */
  | { type: "cancel"; id: number; reason?: WireError }
  /** Asks for a `compute` report now (free VRAM changes as models load). */
  | { type: "compute" };

export type FromRunner =
  | { type: "loaded"; info: LoadedModelInfo }
  | { type: "load-failed"; error: WireError }
  /** Frames of any jobs, in order; a runner sends what one event-loop turn produced as one message. */
  | { type: "frames"; frames: { id: number; frame: Frame }[] }
  /** A spare's answer to `prepare`: its engine is created (`ok`), or could not be. */
  | { type: "prepared"; ok: boolean }
  /** What the engine computes on: sent once the engine is created, after each load, and when asked. */
  | { type: "compute"; report: ComputeReport };
