import type { WireError } from "./errors.js";

/** Where a pull stands. `done` and `failed` are final. */
export type PullState = "pulling" | "done" | "failed";

/** A pull's state at one moment, as the API lists it and its event stream carries it. */
export interface PullStatus {
  /** Opaque id: a second pull of the same model while this one runs gets this one back. */
  id: string;
  model: string;
  state: PullState;
  /** Where the bytes come from now: a mirror path or a URL (without credentials). */
  source?: string;
  /** Bytes on disk so far, counting bytes kept from an interrupted earlier pull. */
  completedBytes: number;
  /** File size, once a source has told it. */
  totalBytes?: number;
  /** Transfer rate over the last few seconds, in bytes per second. */
  bytesPerSecond: number;
  /** Estimated seconds left at that rate, when both are known. */
  etaS?: number;
  /** `sha256:<hex>` of the stored file, once done. */
  digest?: string;
  startedAt: string;
  finishedAt?: string;
  error?: WireError;
}

/** Progress events, keyed on `type`; a stream ends after `done` or `error`. */
export type PullEvent = { type: "progress"; status: PullStatus } | { type: "done"; status: PullStatus } | { type: "error"; status: PullStatus };

/** A model whose weights are on this machine. */
export interface LocalModel {
  model: string;
  /** `store` (pulled into the data dir) or `mirror` (found in the offline mirror only). */
  location: "store" | "mirror";
  path: string;
  sizeBytes: number;
  digest?: string;
  pulledAt?: string;
  lastUsedAt?: string;
  custom: boolean;
}

/** What the admin API needs from the model store: pulls with progress, the local list, removal. */
export interface ModelAdmin {
  /** Starts a pull, or joins the one already running for this model. */
  pull(model: string): PullStatus;
  pulls(): PullStatus[];
  pullStatus(id: string): PullStatus | undefined;
  /** The current status first, then changes until the pull ends; the iterable ends with it. */
  watch(id: string, signal?: AbortSignal): AsyncIterable<PullEvent>;
  local(): Promise<LocalModel[]>;
  /** Deletes a pulled model (and its unregistration, for a custom one); false if nothing was stored. */
  remove(model: string): Promise<boolean>;
}
