import { z } from "zod";
import { OutpostError } from "../contract/index.js";
import { GATEWAY_ID, MAX_ATTEMPTS, MAX_CACHE_TTL_S, MAX_FALLBACKS, MAX_RETRY_DELAY_MS, MIN_CACHE_TTL_S } from "./constants.js";

const retries = z.strictObject({
  maxAttempts: z.number().int().min(1).max(MAX_ATTEMPTS),
  retryDelayMs: z.number().int().min(0).max(MAX_RETRY_DELAY_MS),
  backoff: z.enum(["constant", "linear", "exponential"]),
});

/** A gateway's settings, as `outpost gateways create` and outpost.json's `gateways` give them. */
export const gatewaySettingsSchema = z.strictObject({
  /** Seconds an answer stays cached; 0 (the default): nothing is cached unless a request asks with its own TTL. */
  cacheTtlS: z.union([z.literal(0), z.number().int().min(MIN_CACHE_TTL_S).max(MAX_CACHE_TTL_S)]).default(0),
  /** Also cache answers that are not reproducible (sampled text with no seed, images with no seed). Default: only reproducible ones. */
  cacheNondeterministic: z.boolean().default(false),
  /** Write a log entry per request (a request's `collectLog: false` still skips its own). */
  collectLogs: z.boolean().default(true),
  /** Days a log entry is kept. */
  logRetentionDays: z.number().int().min(1).max(3_650).default(30),
  /** Newest entries kept per gateway; older ones are pruned. */
  maxLogs: z.number().int().min(1).max(10_000_000).default(100_000),
  /** What a log entry leaves out: nothing, the inputs, the outputs, or both. */
  redact: z.enum(["none", "inputs", "outputs", "all"]).default("none"),
  /** Requests per period over the whole gateway (per node in network mode); past it 429. Absent: unlimited. */
  rateLimit: z.strictObject({ limit: z.number().int().min(1), periodS: z.number().int().min(1).max(86_400), technique: z.enum(["fixed", "sliding"]).default("fixed") }).optional(),
  /** Models tried in order after the one asked for fails with 429, 5xx or a timeout. */
  fallbacks: z.array(z.string().min(1)).max(MAX_FALLBACKS).default([]),
  /** Tries per model before falling back. Default: one. */
  retries: retries.default({ maxAttempts: 1, retryDelayMs: 0, backoff: "constant" }),
  /** A model with no answer (no first token, for a stream) in this many ms counts as failed. Absent: no limit but the server's. */
  requestTimeoutMs: z.number().int().min(1).max(600_000).optional(),
});

export type GatewaySettings = z.output<typeof gatewaySettingsSchema>;
export type GatewaySettingsInput = z.input<typeof gatewaySettingsSchema>;
export type Gateway = GatewaySettings & { id: string };

/** Checked settings, or INPUT_INVALID naming the field. A model listed twice would loop, so it is refused here. */
export function parseGatewaySettings(id: string, raw: unknown): Gateway {
  if (!GATEWAY_ID.test(id)) throw new OutpostError("INPUT_INVALID", `Invalid gateway id '${id}': 1 to 64 letters, digits, '-' or '_'`);
  const parsed = gatewaySettingsSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new OutpostError("INPUT_INVALID", `Invalid gateway ${id} setting '${issue.path.map(String).join(".") || "/"}': ${issue.message}`);
  }
  const seen = new Set<string>();
  for (const model of parsed.data.fallbacks) {
    if (seen.has(model)) throw new OutpostError("INPUT_INVALID", `Invalid gateway ${id} setting 'fallbacks': ${model} is listed twice, which would loop`);
    seen.add(model);
  }
  return { id, ...parsed.data };
}
