import { MAX_EMBEDDING_ITEMS, MAX_MESSAGES, MAX_PROMPT_CHARS } from "./constants.js";

/**
 * Ceilings on a request body's JSON structure, checked while it is read and before it is
 * parsed (see api/body.ts): a 10 MiB `[{},{},…]` is cheap to send and costs hundreds of MiB
 * and seconds of event loop to parse, so its shape is refused first.
 */
export interface BodyLimits {
  /** Deepest nesting of objects and arrays. */
  maxDepth: number;
  /** JSON values in the whole body, object keys included. */
  maxValues: number;
  /** Items of any one array, members of any one object. */
  maxItems: number;
  /** Longest string, in UTF-16 code units (JavaScript's string length, as the schemas count). */
  maxStringChars: number;
}

/** For bodies of no task (the admin API) and tasks that set none. */
export const DEFAULT_BODY_LIMITS: BodyLimits = { maxDepth: 32, maxValues: 100_000, maxItems: 100_000, maxStringChars: Number.POSITIVE_INFINITY };

/**
 * Text generation: Workers AI's prompt and message limits. Depth and values leave room for
 * message parts and the JSON Schemas of tools and response formats.
 */
export const TEXT_GENERATION_BODY_LIMITS: BodyLimits = { maxDepth: 32, maxValues: 50_000, maxItems: MAX_MESSAGES, maxStringChars: MAX_PROMPT_CHARS };

/** Text embeddings: at most 100 texts (Workers AI's batch limit), each a prompt's length. */
export const TEXT_EMBEDDINGS_BODY_LIMITS: BodyLimits = { maxDepth: 8, maxValues: 1_000, maxItems: MAX_EMBEDDING_ITEMS, maxStringChars: MAX_PROMPT_CHARS };
