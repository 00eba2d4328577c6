/**
 * The one error type. Inner code throws it; only api/ and binding/ render it, each in its own
 * wire format. Across processes it travels as {code, message} and is rebuilt with fromWire().
 */

export const ERRORS = {
  /** Unknown model id, or a model with no engine here. */
  MODEL_NOT_FOUND: { status: 400, internalCode: 5007, name: "NoSuchModel" },
  /** Body missing or not JSON. */
  REQUEST_INCOMPLETE: { status: 400, internalCode: 3003, name: "IncompleteRequest" },
  /** Inputs fail the task schema. */
  INPUT_INVALID: { status: 400, internalCode: 1001, name: "InvalidInput" },
  /** Body over the size limit, or inputs over a token limit. */
  INPUT_TOO_LARGE: { status: 413, internalCode: 3006, name: "RequestTooLarge" },
  /**
   * The prompt, once tokenized, does not fit the model's context window. Workers AI answers 5021
   * (observed with 413); the status is OpenAI's 400, whose clients look for this code's name.
   */
  CONTEXT_LENGTH_EXCEEDED: { status: 400, internalCode: 5021, name: "ContextLengthExceeded" },
  /** The request waited or ran longer than allowed. */
  TIMEOUT: { status: 408, internalCode: 3007, name: "Timeout" },
  /** The caller went away or cancelled. */
  ABORTED: { status: 408, internalCode: 3008, name: "Aborted" },
  /** The model's queue is full, or the caller asked not to queue. */
  QUEUE_FULL: { status: 429, internalCode: 3040, name: "OutOfCapacity" },
  /** The model is loading and the caller asked not to wait. */
  MODEL_LOADING: { status: 503, internalCode: 3040, name: "ModelLoading" },
  /** The model is known but its engine is not available in this build. */
  ENGINE_UNAVAILABLE: { status: 501, internalCode: 5007, name: "EngineUnavailable" },
  /** The model's files are not in the store or the mirror. */
  MODEL_NOT_LOCAL: { status: 404, internalCode: 3042, name: "ModelNotPulled" },
  /** Not enough free disk for a model pull (checked before downloading, or the disk filled up). */
  DISK_FULL: { status: 507, internalCode: 3044, name: "InsufficientStorage" },
  /** A model download failed: source unreachable or refusing, truncated, or not matching its sha256. */
  PULL_FAILED: { status: 502, internalCode: 3045, name: "PullFailed" },
  /** Network mode: no node inside the request's residency (regions/cities) can serve it now. */
  RESIDENCY_UNAVAILABLE: { status: 503, internalCode: 3046, name: "ResidencyUnavailable" },
  /** The runner process died while serving the request. */
  RUNNER_CRASHED: { status: 502, internalCode: 3043, name: "RunnerCrashed" },
  /** This exact input crashed its model's runner twice; it is refused for a while without reaching a runner. */
  POISON_INPUT: { status: 422, internalCode: 3048, name: "PoisonInput" },
  /** No token, or one that is malformed, unknown, expired or revoked (Cloudflare's API answers 10000). */
  UNAUTHENTICATED: { status: 401, internalCode: 10000, name: "AuthenticationError" },
  /** A valid token whose account, scope or models do not cover the request; or a foreign Host or cross-site request. */
  FORBIDDEN: { status: 403, internalCode: 10000, name: "Forbidden" },
  /** The account's requests per minute for this task (or model) are used up; Retry-After says when a request fits. */
  RATE_LIMITED: { status: 429, internalCode: 3040, name: "RateLimited" },
  /** The account's daily neuron allocation is used up until 00:00 UTC (Workers AI's "Account limited"). */
  ALLOCATION_EXCEEDED: { status: 429, internalCode: 3036, name: "AccountLimited" },
  /** Outpost's database cannot be opened, read or written. */
  DATABASE_UNAVAILABLE: { status: 503, internalCode: 3000, name: "DatabaseUnavailable" },
  /** max_tokens ended generation inside a JSON value that JSON mode or a tool call required. */
  OUTPUT_INCOMPLETE: { status: 400, internalCode: 3047, name: "OutputIncomplete" },
  /** An operator's plugin set to fail closed threw, timed out or crashed in one of its hooks (src/hooks). */
  HOOK_FAILED: { status: 502, internalCode: 3000, name: "PluginFailed" },
  /**
   * The request names an AI Gateway that does not exist. Workers AI's words and code, so apps
   * that detect a missing gateway by them keep working (`outpost gateways create` makes one).
   */
  GATEWAY_NOT_FOUND: { status: 400, internalCode: 2001, name: "AiGatewayError" },
  /** Anything else inside Outpost. */
  INTERNAL: { status: 500, internalCode: 3000, name: "InternalError" },
  /** Route does not exist. */
  NOT_FOUND: { status: 404, internalCode: 7000, name: "NotFound" },
} as const satisfies Record<string, { status: number; internalCode: number; name: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface WireError {
  code: ErrorCode;
  message: string;
  retryAfterS?: number;
}

export class OutpostError extends Error {
  readonly code: ErrorCode;
  /** Seconds a client should wait before retrying; set for QUEUE_FULL and MODEL_LOADING. */
  readonly retryAfterS: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfterS?: number }) {
    // An answer to a client, not a bug report: nothing reads its stack (a `cause` keeps its own),
    // and capturing one walks every async frame of the middleware chain, about 50 µs a refusal.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    Error.stackTraceLimit = limit;
    this.code = code;
    this.name = `OutpostError [${code}]`;
    this.retryAfterS = options?.retryAfterS;
  }

  get status(): number {
    return ERRORS[this.code].status;
  }

  get internalCode(): number {
    return ERRORS[this.code].internalCode;
  }

  toWire(): WireError {
    return this.retryAfterS === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, retryAfterS: this.retryAfterS };
  }

  static fromWire(wire: WireError): OutpostError {
    const code = wire.code in ERRORS ? wire.code : "INTERNAL";
    return new OutpostError(code, wire.message, { retryAfterS: wire.retryAfterS });
  }

  /** Wraps anything thrown into an OutpostError, keeping the original as `cause`. */
  static from(error: unknown): OutpostError {
    if (error instanceof OutpostError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new OutpostError("INTERNAL", message, { cause: error });
  }
}
