import type { HookName } from "./types.js";

/** Main thread → plugin worker. */
export type ToWorker =
  | { t: "call"; id: number; hook: HookName; ctx: unknown; arg?: unknown }
  /** An observing hook: no answer unless it throws. */
  | { t: "notify"; hook: HookName; ctx: unknown; arg: unknown }
  /** A stream ended: drop its onToken state. No answer. */
  | { t: "release"; requestId: string }
  /** Answered at once by a worker whose event loop is free: tells a hung plugin from a slow promise. */
  | { t: "ping"; id: number };

/** Plugin worker → main thread. */
export type FromWorker =
  | { t: "ready"; hooks: HookName[] }
  | { t: "load-failed"; message: string }
  | { t: "result"; id: number; value: unknown }
  | { t: "failed"; id: number; message: string }
  | { t: "notify-failed"; hook: HookName; message: string }
  | { t: "pong"; id: number };

/** onToken's answer for a batch of tokens: the text to send for each (possibly ""), up to `stopAt` when a token stopped the stream. */
export interface TokenBatchResult {
  texts: string[];
  stopAt?: number;
}
