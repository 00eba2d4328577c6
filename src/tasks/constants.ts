/** Longest prompt or message content accepted, in characters (Workers AI's later text-generation schemas). */
export const MAX_PROMPT_CHARS = 131_072;
/** Most messages in one chat request. */
export const MAX_MESSAGES = 1_024;
/** Workers AI embeddings limits: items per request and tokens per item. */
export const MAX_EMBEDDING_ITEMS = 100;
export const MAX_EMBEDDING_TOKENS = 512;
