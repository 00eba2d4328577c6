/**
 * Cuts a token stream's text at the first end-of-generation text (`<|end_story|>`), which a
 * model may write as one token or spelled out in pieces (`<|`, `end`, `_story`, `|>`). Text that
 * could be the start of one is held until the next piece decides; it is never emitted.
 */
export class StopTexts {
  readonly #stops: string[];
  #held = "";
  #stopped = false;

  constructor(stops: Iterable<string>) {
    this.#stops = [...new Set(stops)].filter((stop) => stop.length > 0);
  }

  /** Whether an end text was seen: generation should end with "stop". */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** The text that can be emitted now, given the next piece. */
  push(piece: string): string {
    if (this.#stopped) return "";
    const text = this.#held + piece;
    let cut = -1;
    for (const stop of this.#stops) {
      const at = text.indexOf(stop);
      if (at !== -1 && (cut === -1 || at < cut)) cut = at;
    }
    if (cut !== -1) {
      this.#stopped = true;
      this.#held = "";
      return text.slice(0, cut);
    }
    const hold = this.#heldLength(text);
    this.#held = text.slice(text.length - hold);
    return text.slice(0, text.length - hold);
  }

  /** What is still held at the end: it was not an end text after all. */
  flush(): string {
    const held = this.#held;
    this.#held = "";
    return this.#stopped ? "" : held;
  }

  /** Length of the longest end of `text` that begins some stop text. */
  #heldLength(text: string): number {
    let longest = 0;
    for (const stop of this.#stops) {
      for (let n = Math.min(stop.length - 1, text.length); n > longest; n--) {
        if (text.endsWith(stop.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }
}
