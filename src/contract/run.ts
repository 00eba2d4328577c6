import type { Principal } from "./auth.js";
import type { WireError } from "./errors.js";
import type { GatewayOutcome, GatewayRequest } from "./gateway.js";

/** Workers AI task ids, as the catalog and the schema endpoint spell them. */
export type TaskId =
  | "text-generation"
  | "text-embeddings"
  | "text-to-image"
  | "text-to-speech"
  | "speech-recognition"
  | "translation"
  | "text-classification"
  | "image-classification"
  | "object-detection"
  | "summarization"
  | "image-to-text"
  | "sentence-similarity";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Why generation ended; engines report only "stop" and "length", tasks add "tool_calls". */
export type FinishReason = "stop" | "length" | "tool_calls";

/** A function call the model made, with its arguments already parsed and validated. */
export interface ToolCall {
  /** `call_…`, unique within the response; what a follow-up `role: "tool"` message names. */
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** One event of a token stream. A stream ends with exactly one `done` or `error`. */
export type RunEvent =
  | {
      type: "token";
      text: string;
      /**
       * On a stream's first token, from engines that know it: the prompt's size in tokens. So a
       * stream that ends before its `done` (the client went away, a hook stopped it) still
       * counts its prompt.
       */
      promptTokens?: number;
    }
  /**
   * The JSON of tool calls as it is generated, held back from `token`s: surfaces that stream
   * calls (OpenAI's deltas) follow it; the others take the parsed calls from `done`.
   */
  | { type: "call_text"; text: string }
  | {
      type: "done";
      usage: Usage;
      finishReason: FinishReason;
      /** Calls the model made; their JSON was not sent as `token` text. */
      toolCalls?: ToolCall[];
      /**
       * Set when max_tokens ended generation inside a constrained JSON value: the message says
       * so. Workers AI answers it as an error; OpenAI surfaces as `finish_reason: "length"`.
       */
      incomplete?: string;
    }
  | { type: "error"; error: WireError };

export type RunResult =
  | { kind: "json"; value: unknown }
  | { kind: "events"; events: AsyncIterable<RunEvent> }
  | { kind: "bytes"; body: ReadableStream<Uint8Array>; contentType: string };

export interface RunOptions {
  /** Who asked: the token's account, scope and model globs (the open server's admin when no token exists). */
  principal?: Principal;
  /** Aborting stops generation within one token and frees the slot. */
  signal?: AbortSignal;
  /** How long the model stays loaded after this request, in ms. Default: the server's keep-alive. */
  keepAliveMs?: number;
  /** Fail with QUEUE_FULL at once instead of queueing when every slot is busy. */
  rejectIfBusy?: boolean;
  /** Give up (TIMEOUT) if the request has not started within this many ms of arriving. */
  queueTimeoutMs?: number;
  /** Network mode: serve only in these regions or cities (the request narrows the account policy, never widens it). */
  residency?: Residency;
  /** Account the request came in on (the Workers AI path's account id); network mode applies its residency policy. */
  account?: string;
  /** Network mode: called once, when the request has been placed, with where it is served. */
  onPlaced?: (placement: Placement) => void;
  /** Set by the receiving node's plugins (src/hooks); it travels with the job, so the serving node's token hooks see it. */
  context?: RequestContext;
  /** Route through this AI Gateway: cache, log, rate limit, retries and fallbacks. */
  gateway?: GatewayRequest;
  /** Called once a gateway has decided, before the result is returned: cache status, log id, serving model. */
  onGateway?: (outcome: GatewayOutcome) => void;
}

/** What a request's plugin hooks share between the node that received it and the node that serves it. */
export interface RequestContext {
  /** Unique per request, across the network. */
  requestId: string;
  /** The account the request is metered to ("local" on an open server). */
  account: string;
  /** What `onRequest` hooks attached; plain JSON values. */
  metadata: Record<string, unknown>;
}

/** Where a request may be served. Empty lists on both sides mean anywhere. */
export interface Residency {
  regions: string[];
  cities: string[];
}

/** Where a request is being served, in network mode. */
export interface Placement {
  city: string;
  region: string;
  node: string;
}

export interface ChatMessage {
  role: string;
  content: string;
}

/** Sampling settings, already defaulted and range-checked by the task. */
export interface SamplingParams {
  maxTokens: number;
  temperature: number;
  topP?: number;
  topK?: number;
  seed?: number;
  repetitionPenalty?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
}

/**
 * A piece of a rendered prompt. Template markup is `special` and tokenized with the model's
 * special tokens; caller text never is, so a user cannot inject `<|im_end|>` or `</s>`.
 */
export interface PromptPart {
  text: string;
  special: boolean;
}

/**
 * Integer digits a constrained number may have, written without an exponent: every number the
 * grammar allows lies within ±(10^15 − 1), inside JavaScript's safe integers.
 */
export const JSON_NUMBER_DIGITS = 15;

/**
 * Decoding restricted so the output is one JSON value matching `schema`, whatever the model.
 * `schema` is already reduced to what a grammar can enforce (tasks/json-schema.ts: refs inlined,
 * only supported keywords). With `trigger`, generation is free until that text appears and
 * constrained from there on: tool_choice "auto", where the model may answer or call a tool.
 */
export interface JsonConstraint {
  schema: Record<string, unknown>;
  trigger?: string;
}

/**
 * The llama engine's jobs, built by the text tasks. Text generation arrives as a rendered
 * prompt, except for models whose chat template lives in the GGUF itself: those carry the
 * messages and the engine renders them.
 */
export type TextJob =
  | { kind: "generate"; prompt: PromptPart[]; sampling: SamplingParams; constraint?: JsonConstraint }
  | { kind: "chat"; messages: ChatMessage[]; sampling: SamplingParams; constraint?: JsonConstraint }
  | { kind: "embed"; texts: string[]; maxTokensPerText: number };

/** The `json` value an `embed` job answers with. */
export interface EmbedResult {
  vectors: number[][];
  tokens: number;
}
