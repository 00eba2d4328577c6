import { OutpostError, type Principal } from "../contract/index.js";
import { databaseError, statement } from "./database.js";
import type { DatabaseHandle } from "./watched-database.js";
import type { UsageLog } from "./usage.js";

/**
 * Requests per minute per account, by task and (where Workers AI set its own) by model: the
 * published limits from GA (2024-04) on. Tasks not listed are not limited.
 */
export const DEFAULT_RATE_LIMITS: Readonly<Record<string, number>> = {
  "speech-recognition": 720,
  "image-classification": 3000,
  "image-to-text": 720,
  "object-detection": 3000,
  summarization: 1500,
  "text-classification": 2000,
  "text-embeddings": 3000,
  "text-generation": 300,
  "text-to-image": 720,
  translation: 720,
  "@cf/baai/bge-large-en-v1.5": 1500,
  "@hf/thebloke/mistral-7b-instruct-v0.1-awq": 400,
  "@cf/microsoft/phi-2": 720,
  "@cf/qwen/qwen1.5-0.5b-chat": 1500,
  "@cf/qwen/qwen1.5-1.8b-chat": 720,
  "@cf/qwen/qwen1.5-14b-chat-awq": 150,
  "@cf/tinyllama/tinyllama-1.1b-chat-v1.0": 720,
  "@cf/runwayml/stable-diffusion-v1-5-img2img": 1500,
};

/** How long an account's limits are cached: `outpost accounts set` takes effect within this, in ms. */
const ACCOUNT_TTL_MS = 5_000;

interface AccountLimits {
  /** Requests per minute by task or model id, over DEFAULT_RATE_LIMITS. */
  rateLimits: Record<string, number>;
  /** Neurons per UTC day; undefined: the server's default. */
  dailyNeurons: number | undefined;
  readAt: number;
}

export interface RateLimiterOptions {
  /** Whether the per-minute limits apply at all. */
  rateLimits: boolean;
  /** Neurons per account per UTC day unless the account sets its own; 0: unlimited. */
  dailyNeurons: number;
  /**
   * Network mode: how many nodes share each account's limits (those with a fresh advert, this
   * one included). Each admits its share, limit / nodes per minute; default 1.
   */
  nodes?: () => number;
  clock?: () => number;
}

/**
 * Admission by account: a token bucket per account and task (or model, where a limit names
 * it) holding a minute's requests and refilling continuously, and the daily neuron allocation.
 * Only token-authenticated callers are limited; an open server's anonymous caller is not.
 */
export class RateLimiter {
  readonly #handle: DatabaseHandle;
  readonly #usage: UsageLog;
  readonly #options: RateLimiterOptions;
  readonly #clock: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #accounts = new Map<string, AccountLimits>();

  constructor(handle: DatabaseHandle, usage: UsageLog, options: RateLimiterOptions) {
    this.#handle = handle;
    this.#usage = usage;
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
  }

  /** Takes one request from the caller's bucket, or throws RATE_LIMITED / ALLOCATION_EXCEEDED. */
  admit(principal: Principal | undefined, model: string, task: string): void {
    if (!principal?.tokenId) return;
    const limits = this.#limitsOf(principal.account);
    const allocation = limits.dailyNeurons ?? (this.#options.dailyNeurons || undefined);
    if (allocation !== undefined && this.#usage.neuronsToday(principal.account) >= allocation) {
      const now = this.#clock();
      const midnight = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate() + 1);
      throw new OutpostError("ALLOCATION_EXCEEDED", `Account ${principal.account} has used up its daily allocation of ${allocation.toLocaleString("en-US")} neurons; it resets at 00:00 UTC`, {
        retryAfterS: Math.ceil((midnight - now) / 1000),
      });
    }
    if (!this.#options.rateLimits) return;
    const key = model in limits.rateLimits || model in DEFAULT_RATE_LIMITS ? model : task;
    const perMinute = limits.rateLimits[key] ?? DEFAULT_RATE_LIMITS[key];
    if (perMinute === undefined) return;
    const now = this.#clock();
    const share = perMinute / Math.max(1, this.#options.nodes?.() ?? 1);
    // A share under one request would never admit one: it holds one, the stated tolerance (one request per node).
    const capacity = Math.max(1, share);
    const id = `${principal.account}\n${key}`;
    const bucket = this.#buckets.get(id) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) * share) / 60_000);
    bucket.at = now;
    this.#buckets.set(id, bucket);
    if (bucket.tokens < 1) {
      throw new OutpostError("RATE_LIMITED", `Rate limited: account ${principal.account} may send ${perMinute} ${key} requests per minute`, {
        retryAfterS: Math.max(1, Math.ceil(((1 - bucket.tokens) * 60) / share)),
      });
    }
    bucket.tokens -= 1;
  }

  /**
   * The account's own limits, re-read every ACCOUNT_TTL_MS. While the database cannot be read
   * the last known limits stand (the defaults for an account never read).
   */
  #limitsOf(account: string): AccountLimits {
    const now = this.#clock();
    const known = this.#accounts.get(account);
    if (known && now - known.readAt < ACCOUNT_TTL_MS) return known;
    let limits: AccountLimits;
    const db = this.#handle.db;
    try {
      const row = statement<[string], { rate_limits: string; daily_neurons: number | null }>(db, "SELECT rate_limits, daily_neurons FROM accounts WHERE id = ?").get(account);
      limits = { rateLimits: row ? (JSON.parse(row.rate_limits) as Record<string, number>) : {}, dailyNeurons: row?.daily_neurons ?? undefined, readAt: now };
    } catch (error) {
      if (!known) throw databaseError(db.name, error);
      limits = { ...known, readAt: now };
    }
    this.#accounts.set(account, limits);
    return limits;
  }
}
