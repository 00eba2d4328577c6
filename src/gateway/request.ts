import { OutpostError, type GatewayRequest, type GatewayRetries } from "../contract/index.js";
import { GATEWAY_ID, MAX_ATTEMPTS, MAX_CACHE_KEY_CHARS, MAX_CACHE_TTL_S, MAX_METADATA_ENTRIES, MAX_METADATA_VALUE_CHARS, MAX_RETRY_DELAY_MS, MIN_CACHE_TTL_S } from "./constants.js";

const invalid = (where: string, expected: string) => new OutpostError("INPUT_INVALID", `Invalid ${where}: expected ${expected}`);

function integer(value: unknown, where: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) throw invalid(where, `an integer from ${min} to ${max}`);
  return value;
}

function boolean(value: unknown, where: string): boolean {
  if (typeof value !== "boolean") throw invalid(where, "true or false");
  return value;
}

function text(value: unknown, where: string, maxChars: number): string {
  if (typeof value !== "string" || value === "" || value.length > maxChars) throw invalid(where, `a string of 1 to ${maxChars} characters`);
  return value;
}

/** AI Gateway keeps the first five entries and ignores the rest; values are strings, numbers or booleans. */
export function gatewayMetadata(value: unknown, where: string): Record<string, string | number | boolean> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(where, "an object of strings, numbers or booleans");
  const kept: Record<string, string | number | boolean> = {};
  for (const [key, entry] of Object.entries(value).slice(0, MAX_METADATA_ENTRIES)) {
    const ok = (typeof entry === "string" && entry.length <= MAX_METADATA_VALUE_CHARS) || typeof entry === "boolean" || (typeof entry === "number" && Number.isFinite(entry));
    if (!ok) throw invalid(`${where} '${key}'`, `a string (at most ${MAX_METADATA_VALUE_CHARS} characters), number or boolean; objects are not supported`);
    kept[key] = entry as string | number | boolean;
  }
  return kept;
}

/** `path` is where the object is in the body, for the messages: `/options/gateway/retries`. */
function retries(value: unknown, path: string): GatewayRetries {
  const at = (name: string) => `input at '${path}/${name}'`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(`input at '${path}'`, "an object {maxAttempts, retryDelayMs, backoff}");
  const { maxAttempts, retryDelayMs, backoff } = value as Record<string, unknown>;
  if (backoff !== undefined && backoff !== "constant" && backoff !== "linear" && backoff !== "exponential") throw invalid(at("backoff"), "'constant', 'linear' or 'exponential'");
  return {
    maxAttempts: maxAttempts === undefined ? 1 : integer(maxAttempts, at("maxAttempts"), 1, MAX_ATTEMPTS),
    retryDelayMs: retryDelayMs === undefined ? 0 : integer(retryDelayMs, at("retryDelayMs"), 0, MAX_RETRY_DELAY_MS),
    backoff: backoff ?? "constant",
  };
}

/** A gateway id as a request names it (the binding's `gateway.id`, a gateway URL's path). */
export function gatewayId(value: unknown, where: string): string {
  if (typeof value !== "string" || !GATEWAY_ID.test(value)) throw invalid(where, "a gateway id (1 to 64 letters, digits, '-' or '_')");
  return value;
}

const cacheTtl = (value: unknown, where: string) => integer(value, where, MIN_CACHE_TTL_S, MAX_CACHE_TTL_S);

/** The binding's `options.gateway` (`{id, skipCache, cacheTtl, cacheKey, metadata, collectLog, eventId, requestTimeoutMs, retries}`), checked. */
export function gatewayFromOption(raw: unknown, path = "/options/gateway"): GatewayRequest {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw invalid(`input at '${path}'`, "an object with an 'id'");
  const fields = raw as Record<string, unknown>;
  const at = (name: string) => `input at '${path}/${name}'`;
  const request: GatewayRequest = { id: gatewayId(fields.id, at("id")) };
  if (fields.skipCache !== undefined) request.skipCache = boolean(fields.skipCache, at("skipCache"));
  if (fields.cacheTtl !== undefined) request.cacheTtlS = cacheTtl(fields.cacheTtl, at("cacheTtl"));
  if (fields.cacheKey !== undefined) request.cacheKey = text(fields.cacheKey, at("cacheKey"), MAX_CACHE_KEY_CHARS);
  if (fields.metadata !== undefined) request.metadata = gatewayMetadata(fields.metadata, at("metadata"));
  if (fields.collectLog !== undefined) request.collectLog = boolean(fields.collectLog, at("collectLog"));
  if (fields.eventId !== undefined) request.eventId = text(fields.eventId, at("eventId"), MAX_CACHE_KEY_CHARS);
  if (fields.requestTimeoutMs !== undefined) request.requestTimeoutMs = integer(fields.requestTimeoutMs, at("requestTimeoutMs"), 1, 600_000);
  if (fields.retries !== undefined) request.retries = retries(fields.retries, `${path}/retries`);
  return request;
}

const header = (name: string) => `header '${name}'`;

function booleanHeader(value: string, name: string): boolean {
  if (value !== "true" && value !== "false") throw invalid(header(name), "true or false");
  return value === "true";
}

function integerHeader(value: string, name: string, min: number, max: number): number {
  if (!/^\d{1,16}$/.test(value)) throw invalid(header(name), `an integer from ${min} to ${max}`);
  return integer(Number(value), header(name), min, max);
}

/**
 * The `cf-aig-*` request headers, as AI Gateway documents them, over a gateway id from the URL.
 * The older `cf-cache-ttl` and `cf-skip-cache` still work there, so they do here.
 */
export function gatewayFromHeaders(id: string, get: (name: string) => string | undefined): GatewayRequest {
  const request: GatewayRequest = { id };
  const skip = get("cf-aig-skip-cache") ?? get("cf-skip-cache");
  if (skip !== undefined) request.skipCache = booleanHeader(skip, "cf-aig-skip-cache");
  const ttl = get("cf-aig-cache-ttl") ?? get("cf-cache-ttl");
  if (ttl !== undefined) request.cacheTtlS = integerHeader(ttl, "cf-aig-cache-ttl", MIN_CACHE_TTL_S, MAX_CACHE_TTL_S);
  const key = get("cf-aig-cache-key");
  if (key !== undefined) request.cacheKey = text(key, header("cf-aig-cache-key"), MAX_CACHE_KEY_CHARS);
  const meta = get("cf-aig-metadata");
  if (meta !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(meta);
    } catch {
      throw invalid(header("cf-aig-metadata"), "a JSON object such as {\"user\": 12345}");
    }
    request.metadata = gatewayMetadata(parsed, header("cf-aig-metadata"));
  }
  const collect = get("cf-aig-collect-log");
  if (collect !== undefined) request.collectLog = booleanHeader(collect, "cf-aig-collect-log");
  const event = get("cf-aig-event-id");
  if (event !== undefined) request.eventId = text(event, header("cf-aig-event-id"), MAX_CACHE_KEY_CHARS);
  const timeout = get("cf-aig-request-timeout");
  if (timeout !== undefined) request.requestTimeoutMs = integerHeader(timeout, "cf-aig-request-timeout", 1, 600_000);
  const attempts = get("cf-aig-max-attempts");
  const delay = get("cf-aig-retry-delay");
  const backoff = get("cf-aig-backoff");
  if (attempts !== undefined || delay !== undefined || backoff !== undefined) {
    if (backoff !== undefined && backoff !== "constant" && backoff !== "linear" && backoff !== "exponential") throw invalid(header("cf-aig-backoff"), "'constant', 'linear' or 'exponential'");
    request.retries = {
      maxAttempts: attempts === undefined ? 1 : integerHeader(attempts, "cf-aig-max-attempts", 1, MAX_ATTEMPTS),
      retryDelayMs: delay === undefined ? 0 : integerHeader(delay, "cf-aig-retry-delay", 0, MAX_RETRY_DELAY_MS),
      backoff: backoff ?? "constant",
    };
  }
  return request;
}
