/**
 * What a plugin sees and may answer. A plugin is an ES module whose default export (or whose
 * named exports) are any of the hooks of {@link Plugin}. It runs in a worker thread of its own
 * (worker.ts): every argument is a structured-clone copy and every answer is copied back.
 */
import type { ErrorCode, FinishReason, Usage, WireError } from "../contract/index.js";

export const HOOK_NAMES = ["onRequest", "onToken", "onResponse", "onError", "onUsage"] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** Every hook's first argument. */
export interface HookContext {
  /** Unique per request, across the network. */
  requestId: string;
  /** The model id asked for (after any earlier plugin's rewrite). */
  model: string;
  /** The model's task ("text-generation", …); "unknown" for an id Outpost does not know. */
  task: string;
  /** The account the request is metered to ("local" on an open server). */
  account: string;
  /** What `onRequest` hooks attached, earlier plugins' included. */
  metadata: Record<string, unknown>;
}

export interface OnRequestContext extends HookContext {
  /** The request's inputs as the surface passed them to run() (a Workers AI inputs object). */
  inputs: unknown;
}

export interface TokenContext extends HookContext {
  /** One object per stream and plugin, kept between this stream's onToken calls: a plugin's scratch space (text seen so far…). */
  state: Record<string, unknown>;
}

/** What `onRequest` may answer; nothing (undefined) lets the request through unchanged. */
export interface RequestDecision {
  /** Serve this model id instead. */
  model?: string;
  /** Run with these inputs instead; they are validated like a client's. */
  inputs?: unknown;
  /** Merged into the context's metadata, for later hooks and plugins. */
  metadata?: Record<string, unknown>;
  /** Refuse the request with this Outpost error (code default FORBIDDEN); the client sees its surface's error format. */
  reject?: { code?: ErrorCode; message: string };
}

/**
 * What `onToken` may answer for one token's text: undefined keeps it, a string replaces it
 * ("" drops it), `{stop: true}` ends the stream before this token as a normal `stop`.
 */
export type TokenDecision = undefined | string | { stop: true };

/** `onResponse`'s second argument: the finished answer as the client gets it. */
export type ResponseSummary =
  | { kind: "json"; value: unknown }
  | { kind: "events"; text: string; finishReason: FinishReason; usage: Usage }
  | { kind: "bytes"; contentType: string };

type MaybePromise<T> = T | Promise<T>;

export interface Plugin {
  /** At the node that received the request, before it is placed; may rewrite, tag or refuse it. */
  onRequest?(ctx: OnRequestContext): MaybePromise<RequestDecision | undefined | void>;
  /** At the node serving the model, for every generated token's text (streamed or not). */
  onToken?(ctx: TokenContext, token: string): MaybePromise<TokenDecision | void>;
  /** At the receiving node, once the answer is complete (a stream: at its final event); not awaited. */
  onResponse?(ctx: HookContext, result: ResponseSummary): MaybePromise<void>;
  /** At the receiving node, when the request fails; not awaited. */
  onError?(ctx: HookContext, error: WireError): MaybePromise<void>;
  /** At the receiving node, with the token counts of a finished text answer; not awaited. */
  onUsage?(ctx: HookContext, usage: Usage): MaybePromise<void>;
}

export type { PluginSpec } from "../config/index.js";
