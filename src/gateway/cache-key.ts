import { createHash, type Hash } from "node:crypto";

/**
 * Feeds `value` into `hash` in one canonical form: object keys sorted, so `{a, b}` and `{b, a}`
 * are one key; bytes (audio, images) by their contents. Tags keep `"1"` apart from `1`.
 */
function feed(hash: Hash, value: unknown): void {
  if (value === null || value === undefined) hash.update("n");
  else if (typeof value === "string") hash.update(`s${value.length}:`).update(value);
  else if (typeof value === "number" || typeof value === "boolean") hash.update(`${typeof value === "number" ? "d" : "b"}${String(value)};`);
  else if (value instanceof Uint8Array) hash.update(`u${value.byteLength}:`).update(value);
  else if (value instanceof ArrayBuffer) hash.update(`u${value.byteLength}:`).update(new Uint8Array(value));
  else if (Array.isArray(value)) {
    hash.update(`a${value.length}[`);
    for (const item of value) feed(hash, item);
    hash.update("]");
  } else if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    hash.update(`o${entries.length}{`);
    for (const [key, item] of entries) {
      hash.update(`${key.length}:${key}`);
      feed(hash, item);
    }
    hash.update("}");
  } else hash.update(`x${String(value)};`);
}

/**
 * The cache key of a request: the gateway, the account (one account never reads another's
 * answers) and either the caller's `cacheKey` or the serving model and normalised inputs.
 */
export function cacheKey(gateway: string, account: string, model: string, inputs: unknown, custom?: string): string {
  const hash = createHash("sha256");
  hash.update(`${gateway}\0${account}\0`);
  if (custom !== undefined) hash.update(`key\0${custom}`);
  else {
    hash.update(`${model}\0`);
    feed(hash, inputs);
  }
  return hash.digest("base64url");
}

/** Tasks that sample: their answers repeat only with a seed (or, for text, temperature 0). */
const SAMPLING_TASKS: ReadonlySet<string> = new Set(["text-generation", "text-to-image"]);

/** Whether the same inputs give the same answer, so a cached one is what the model would say again. */
export function deterministic(task: string, inputs: unknown): boolean {
  if (!SAMPLING_TASKS.has(task)) return true;
  if (typeof inputs !== "object" || inputs === null) return false;
  const { seed, temperature } = inputs as { seed?: unknown; temperature?: unknown };
  return typeof seed === "number" || (task === "text-generation" && temperature === 0);
}
