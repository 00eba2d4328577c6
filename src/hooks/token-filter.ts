import { OutpostError, type RunEvent } from "../contract/index.js";
import { MAX_READ_AHEAD_EVENTS } from "./constants.js";
import type { TokenBatchResult } from "./protocol.js";

export interface TokenFilterOptions {
  /** The plugins' answer for a batch of token texts, in order; throws to fail the stream (a fail-closed plugin failed). */
  apply(texts: string[]): Promise<TokenBatchResult>;
  /** A token stopped the stream: stop generating (abort the source's signal). */
  stop(): void;
  /** Called once, when no more events will be passed on. */
  end(): void;
}

/**
 * Passes a token stream through the plugins' onToken hooks. A plugin answers from another
 * thread, and a round trip costs tens of µs of CPU, so tokens are not sent one at a time: the
 * source is read ahead (at most MAX_READ_AHEAD_EVENTS) while a batch is out, and the next
 * batch is every token that arrived meanwhile. A stream slower than a round trip sends one
 * token per batch and waits only that round trip; a fast one sends fewer, larger batches.
 * Order is kept: `done`, `error` and `call_text` wait for the tokens before them.
 */
export function filterTokens(source: AsyncIterable<RunEvent>, options: TokenFilterOptions): AsyncIterable<RunEvent> {
  const filter = new TokenFilter(source[Symbol.asyncIterator](), options);
  return { [Symbol.asyncIterator]: () => filter };
}

class TokenFilter implements AsyncIterator<RunEvent> {
  readonly #source: AsyncIterator<RunEvent>;
  readonly #options: TokenFilterOptions;
  /** Read from the source, not yet through the plugins. */
  readonly #inbox: RunEvent[] = [];
  /** Ready for the consumer. */
  readonly #outbox: RunEvent[] = [];
  #reading = false;
  #filtering = false;
  /** The source has nothing more (its final event was read, it ended or it threw). */
  #drained = false;
  /** Nothing more goes into the outbox: a final event is in it, a token stopped the stream, or the consumer left. */
  #over = false;
  /** Tokens handed to the plugins so far. */
  #tokensFiltered = 0;
  /** The prompt's size, from the source's first token: told on the first token passed on, and in a stop's `done`. */
  #promptTokens: number | undefined;
  #promptTold = false;
  #wakeConsumer: (() => void) | undefined;
  #wakeReader: (() => void) | undefined;
  #ended = false;

  constructor(source: AsyncIterator<RunEvent>, options: TokenFilterOptions) {
    this.#source = source;
    this.#options = options;
  }

  async next(): Promise<IteratorResult<RunEvent>> {
    if (!this.#reading && !this.#drained) {
      this.#reading = true;
      void this.#read();
    }
    for (;;) {
      const event = this.#outbox.shift();
      if (event) {
        this.#wake("reader");
        return { done: false, value: event };
      }
      if (this.#over || (this.#drained && this.#inbox.length === 0 && !this.#filtering)) {
        this.#end();
        return { done: true, value: undefined };
      }
      await new Promise<void>((resolve) => (this.#wakeConsumer = resolve));
    }
  }

  async return(): Promise<IteratorResult<RunEvent>> {
    this.#end();
    // Unread, the source is stopped here; being read, the reader stops it once its read returns.
    if (!this.#reading && !this.#drained) {
      this.#drained = true;
      await this.#source.return?.();
    }
    this.#wake("reader");
    return { done: true, value: undefined };
  }

  async #read(): Promise<void> {
    try {
      while (!this.#over) {
        if (this.#inbox.length + this.#outbox.length >= MAX_READ_AHEAD_EVENTS) {
          await new Promise<void>((resolve) => (this.#wakeReader = resolve));
          continue;
        }
        const result = await this.#source.next();
        if (this.#over) break;
        if (result.done) return this.#drain();
        this.#inbox.push(result.value);
        this.#kick();
        if (result.value.type === "done" || result.value.type === "error") {
          this.#drain();
          // Past its final event a source has nothing to give, but it may hold a slot until it is ended.
          await this.#source.return?.();
          return;
        }
      }
      // Stopped early (a plugin's stop, the consumer left): what the source still holds is dropped.
      this.#drained = true;
      await this.#source.return?.();
    } catch (error) {
      if (!this.#over) this.#inbox.push({ type: "error", error: OutpostError.from(error).toWire() });
      this.#drain();
    }
  }

  #drain(): void {
    this.#drained = true;
    this.#kick();
  }

  #kick(): void {
    if (!this.#filtering) void this.#filter();
    this.#wake("consumer");
  }

  async #filter(): Promise<void> {
    this.#filtering = true;
    try {
      while (this.#inbox.length > 0 && !this.#over) {
        let tokens = 0;
        while (this.#inbox[tokens]?.type === "token") tokens += 1;
        if (tokens === 0) {
          const event = this.#inbox.shift() as RunEvent;
          this.#outbox.push(event);
          if (event.type === "done" || event.type === "error") this.#over = true;
          continue;
        }
        const batch = this.#inbox.splice(0, tokens) as Extract<RunEvent, { type: "token" }>[];
        this.#promptTokens ??= batch[0]!.promptTokens;
        const before = this.#tokensFiltered;
        this.#tokensFiltered += batch.length;
        let result: TokenBatchResult;
        try {
          result = await this.#options.apply(batch.map((event) => event.text));
        } catch (error) {
          if (this.#over) return;
          this.#outbox.push({ type: "error", error: OutpostError.from(error).toWire() });
          this.#stop();
          return;
        }
        if (this.#over) return;
        for (const text of result.texts) {
          if (!text) continue;
          const told = this.#promptTold || this.#promptTokens === undefined;
          this.#outbox.push(told ? { type: "token", text } : { type: "token", text, promptTokens: this.#promptTokens });
          this.#promptTold = true;
        }
        if (result.stopAt !== undefined) {
          // The stopping token is not sent, but it was generated: it counts. The engine's own
          // `done` is not coming; the prompt's size came with its first token.
          const generated = before + result.stopAt + 1;
          const prompt = this.#promptTokens ?? 0;
          this.#outbox.push({ type: "done", usage: { prompt_tokens: prompt, completion_tokens: generated, total_tokens: prompt + generated }, finishReason: "stop" });
          this.#stop();
          return;
        }
        this.#wake("consumer");
      }
    } finally {
      this.#filtering = false;
      this.#wake("consumer");
    }
  }

  #stop(): void {
    this.#over = true;
    this.#options.stop();
    this.#wake("reader");
  }

  #end(): void {
    this.#over = true;
    if (this.#ended) return;
    this.#ended = true;
    this.#options.end();
  }

  #wake(which: "consumer" | "reader"): void {
    const wake = which === "consumer" ? this.#wakeConsumer : this.#wakeReader;
    if (which === "consumer") this.#wakeConsumer = undefined;
    else this.#wakeReader = undefined;
    wake?.();
  }
}
