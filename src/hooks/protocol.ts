import type { HookName } from "./types.js";

/** Main thread → plugin worker. */
export type ToWorker =
  | { t: "call"; id: number; hook: HookName; ctx: unknown; arg?: unknown; released?: string[] }
  /** Observing hooks, run in order: no answer unless one throws. */
  | { t: "notify"; calls: { hook: HookName; arg: unknown }[]; ctx: unknown; released?: string[] }
  /**
   * Streams that ended: drop their onToken state. No answer. Usually carried by the next call
   * (`released`), so that ending a stream costs no message of its own.
   */
  | { t: "release"; requestIds: string[] }
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
