import type { ErrorCode } from "./errors.js";

/**
 * The one model id (a metrics label, a request-log entry) for ids outside the catalog: clients
 * cannot mint values that grow /metrics or the log. Custom names cannot contain parentheses.
 */
export const UNKNOWN_MODEL = "(unknown)";

/** The account of a request refused before its token was known (a missing, wrong or expired one). */
export const UNAUTHENTICATED_ACCOUNT = "(unauthenticated)";

/** One finished request, as `GET /api/requests` lists it for the dashboard's latest-requests table. */
export interface RequestRecord {
  /** When the request ended (ISO 8601). */
  at: string;
  /** The model id the caller named. */
  model: string;
  /** Set when `model` is an alias: the model that really served it. */
  servedModel?: string;
  task: string;
  /** HTTP status it ended with; 499 when the client went away before a stream finished. */
  status: number;
  /** Failed requests: the error message the caller got. */
  error?: string;
  /** Failed requests: the error's code (`RATE_LIMITED`, `UNAUTHENTICATED`, …). */
  code?: ErrorCode;
  /** From the request's start to its end (the last event, for a stream), in ms. */
  latencyMs: number;
  /** Streams: from the start to the first token, in ms; absent when no token came. */
  ttftMs?: number;
  /** Streams: tokens generated (the usage count when the stream finished, else the tokens sent). */
  completionTokens?: number;
  /** Network mode: the city whose node served it. */
  city?: string;
  /** The account it is metered to: the token's, or "local" on an open server. */
  account?: string;
  /** The id of the token it came with (never the secret). */
  tokenId?: string;
  /** Input tokens, where the result reports them. */
  promptTokens?: number;
  /** Workers AI units it cost (src/accounts/neurons.ts); set once metered. */
  neurons?: number;
}
