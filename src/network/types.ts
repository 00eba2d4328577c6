import type { EngineJob, RunEvent, WireError } from "../contract/index.js";

/** Load of one model on one node, as its advert reports it. */
export interface ModelLoad {
  loaded: boolean;
  slots: number;
  active: number;
  queued: number;
  maxQueue: number;
}

/** What a node publishes about itself every ADVERT_INTERVAL_MS and on change. */
export interface Advert {
  node: string;
  city: string;
  region: string;
  /** Degrees; absent when the node was given no coordinates. */
  lat?: number;
  lon?: number;
  /** Increases with every advert of one process; a restarted node starts again with a new startedAt. */
  seq: number;
  startedAt: number;
  /** The node's HTTP base URL, for operators. */
  http?: string;
  /** Models with a runner (loaded) or being loaded/used, keyed by model id. */
  models: Record<string, ModelLoad>;
  /** Models it could load on demand: files on disk or in the network's object store. */
  loadable: string[];
  /** Default slots and queue for a model that is not resident yet. */
  slots: number;
  maxQueue: number;
  /** Speed fingerprint: cores, llama.cpp threads and measured generation speed per model. */
  speed: { cpus: number; threads: number; tokensPerS: Record<string, number> };
}

/** Run request, caller → node, on SUBJECTS.run(node), with the caller's inbox as reply subject. */
export interface RunRequest {
  id: string;
  model: string;
  job: EngineJob;
  keepAliveMs?: number;
  queueTimeoutMs?: number;
  rejectIfBusy?: boolean;
  /** Events the node may send before waiting for more credit. */
  credit: number;
}

/** Node → caller messages on the caller's inbox. */
export type RunReply =
  | { t: "accept" }
  | { t: "hb" }
  | { t: "ev"; seq: number; ev: RunEvent }
  | { t: "json"; value: unknown }
  /** Refused or failed before any result; `retry` when another node should be tried. */
  | { t: "err"; error: WireError; retry?: boolean };

/** Caller's answer to an event sent as a request: new credit, or "stop" when the caller is gone. */
export interface CreditGrant {
  upTo: number;
  cancel?: boolean;
}

export interface ControlMessage {
  t: "cancel";
  id: string;
}
