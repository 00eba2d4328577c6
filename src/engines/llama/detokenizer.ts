import type { LlamaModel, Token } from "node-llama-cpp";

/** Tokens of context handed to the detokenizer so leading spaces come out right. */
const CONTEXT_TOKENS = 4;
/** A UTF-8 character spans at most 4 byte-fallback tokens; hold no longer than that. */
const MAX_HELD_TOKENS = 4;

/**
 * Turns tokens into text as they arrive. Byte-fallback tokens can split a UTF-8 character, so
 * text ending in U+FFFD is held back until the character completes: a stream never emits half
 * an emoji.
 */
export class StreamDetokenizer {
  readonly #model: LlamaModel;
  #pending: Token[] = [];
  #previous: Token[] = [];

  constructor(model: LlamaModel) {
    this.#model = model;
  }

  /** Returns the text that is complete after this token ("" while a character is split). */
  push(token: Token): string {
    this.#pending.push(token);
    const text = this.#model.detokenize(this.#pending, false, this.#previous);
    if (text.endsWith("\uFFFD") && this.#pending.length < MAX_HELD_TOKENS) return "";
    this.#previous = [...this.#previous, ...this.#pending].slice(-CONTEXT_TOKENS);
    this.#pending = [];
    return text;
  }

  /** Whatever is still held at the end of generation. */
  flush(): string {
    if (this.#pending.length === 0) return "";
    const text = this.#model.detokenize(this.#pending, false, this.#previous);
    this.#pending = [];
    return text;
  }
}
