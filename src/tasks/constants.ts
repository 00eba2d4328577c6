/** Longest prompt or message content accepted, in characters (Workers AI's later text-generation schemas). */
export const MAX_PROMPT_CHARS = 131_072;
/** Most messages in one chat request. */
export const MAX_MESSAGES = 1_024;
/** Workers AI embeddings limits: items per request and tokens per item. */
export const MAX_EMBEDDING_ITEMS = 100;
export const MAX_EMBEDDING_TOKENS = 512;
/**
 * Most subschemas in one response_format or tool schema, counted after `$ref`s are inlined.
 * A grammar grows with the schema and is compiled per request: this keeps that cost bounded.
 */
export const MAX_SCHEMA_NODES = 512;
/** Deepest nesting of subschemas. */
export const MAX_SCHEMA_DEPTH = 32;
/** Most tools in one request. */
export const MAX_TOOLS = 64;
/** Most calls one response may make when parallel tool calls are allowed. */
export const MAX_PARALLEL_TOOL_CALLS = 4;
