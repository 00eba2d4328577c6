import type { Frame, RequestContext, WireError } from "../contract/index.js";

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

/**
 * Run request, caller → node, on SUBJECTS.run(node), with the caller's inbox as reply subject.
 * On the wire (codec.ts) this header is JSON and the job follows it as the JSON bytes the caller
 * encoded once: a job of up to FRAME_CHUNK_BYTES travels inline; a larger one (an img2img
 * picture) is announced by `jobBytes` and pulled by the node from the caller, one chunk per request.
 */
export interface RunRequest {
  /** Unique across the network (the caller's inbox for this call): cancels name it. */
  id: string;
  model: string;
  jobBytes?: number;
  keepAliveMs?: number;
  queueTimeoutMs?: number;
  rejectIfBusy?: boolean;
  /** The receiving node's plugin context, for the serving node's token hooks. */
  context?: RequestContext;
}

/**
 * What a node sends a caller on its inbox, several to a message in codec.ts's binary codec:
 * the result's frames (contract/frames.ts), plus the transport's own `accept`, `hb`
 * (heartbeat), `refuse` (failed before a result, `retry` when another node should be tried)
 * and `pull` (send me the job's bytes from `offset`).
 */
export type RunReply = Frame | { t: "accept" } | { t: "hb" } | { t: "refuse"; error: WireError; retry: boolean } | { t: "pull"; offset: number };

/** Caller's answer to a frame sent as a request: new credit, or "stop" when the caller is gone. */
export interface CreditGrant {
  upTo: number;
  cancel?: boolean;
}

export interface ControlMessage {
  t: "cancel";
  id: string;
}
