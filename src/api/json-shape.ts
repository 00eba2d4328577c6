import { OutpostError } from "../contract/index.js";
import type { BodyLimits } from "../tasks/index.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const LETTER_U = 0x75;
/** Bytes of an object key kept to name the path in a message; longer keys are cut. */
const KEY_BYTES_KEPT = 64;

/**
 * Checks the structure of a JSON text as its bytes arrive, against a task's BodyLimits, so an
 * oversized shape is refused before anything is decoded or parsed. It builds nothing: its
 * memory is a few numbers per nesting level. It does not validate JSON (JSON.parse does, after
 * it); on malformed input its counts are approximate and still bounded. Strings are measured
 * in UTF-16 code units, as JavaScript and the task schemas count them: one per escape, one per
 * UTF-8 sequence, two for a 4-byte one.
 */
export class JsonShape {
  readonly #limits: BodyLimits;
  #values = 0;
  #inString = false;
  #escape = false;
  /** Hex digits of a `\uXXXX` escape still to skip. */
  #hexLeft = 0;
  #chars = 0;
  #expectValue = true;
  #expectKey = false;
  /** The string being read is an object key (its first bytes are kept for the path). */
  #inKey = false;
  #key: number[] = [];
  /** Per open container (index 0 is the top level): items so far, whether it is an array, its current key. */
  readonly #items: number[] = [0];
  readonly #isArray: boolean[] = [false];
  readonly #keys: string[] = [""];

  readonly #within: string;

  /** Paths in messages are relative to `within` when under it (the binding wire's `/inputs`). */
  constructor(limits: BodyLimits, within = "") {
    this.#limits = limits;
    this.#within = within;
  }

  feed(bytes: Uint8Array): void {
    const { maxStringChars } = this.#limits;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (this.#inString) {
        if (this.#hexLeft > 0) {
          this.#hexLeft--;
          continue;
        }
        if (this.#escape) {
          this.#escape = false;
          if (b === LETTER_U) this.#hexLeft = 4;
        } else if (b === BACKSLASH) {
          this.#escape = true;
          continue;
        } else if (b === QUOTE) {
          this.#inString = false;
          if (this.#inKey) this.#endKey();
          continue;
        } else if ((b & 0xc0) === 0x80) {
          continue; // a UTF-8 continuation byte: its character is already counted
        }
        this.#chars += b >= 0xf0 ? 2 : 1;
        if (this.#inKey && this.#key.length < KEY_BYTES_KEPT) this.#key.push(b);
        if (this.#chars > maxStringChars) throw this.#tooLarge(`the string at '${this.#path()}' is longer than ${maxStringChars} characters`);
        continue;
      }
      switch (b) {
        case 0x20:
        case 0x09:
        case 0x0a:
        case 0x0d:
          break;
        case QUOTE:
          this.#inString = true;
          this.#chars = 0;
          if (this.#expectKey) this.#startKey();
          else this.#valueStart();
          break;
        case OPEN_OBJECT:
        case OPEN_ARRAY:
          this.#valueStart();
          this.#open(b === OPEN_ARRAY);
          break;
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          if (this.#items.length > 1) {
            this.#items.pop();
            this.#isArray.pop();
            this.#keys.pop();
          }
          this.#expectValue = false;
          this.#expectKey = false;
          break;
        case COMMA:
          if (this.#isArray.at(-1)) this.#expectValue = true;
          else this.#expectKey = true;
          break;
        case COLON:
          this.#expectValue = true;
          break;
        default:
          if (this.#expectValue) this.#valueStart();
      }
    }
  }

  #valueStart(): void {
    this.#expectValue = false;
    this.#countValue();
    if (this.#isArray.at(-1)) this.#countItem();
  }

  #startKey(): void {
    this.#expectKey = false;
    this.#inKey = true;
    this.#key = [];
    this.#countValue();
    this.#countItem();
  }

  #endKey(): void {
    this.#inKey = false;
    this.#keys[this.#keys.length - 1] = Buffer.from(this.#key).toString("utf8");
  }

  #open(isArray: boolean): void {
    if (this.#items.length > this.#limits.maxDepth) throw this.#tooLarge(`it is nested deeper than ${this.#limits.maxDepth} levels`);
    this.#items.push(0);
    this.#isArray.push(isArray);
    this.#keys.push("");
    this.#expectValue = isArray;
    this.#expectKey = !isArray;
  }

  #countValue(): void {
    if (++this.#values > this.#limits.maxValues) throw this.#tooLarge(`it has more than ${this.#limits.maxValues} JSON values`);
  }

  #countItem(): void {
    const top = this.#items.length - 1;
    const items = (this.#items[top] ?? 0) + 1;
    this.#items[top] = items;
    if (items > this.#limits.maxItems) {
      // The path names the container, not the item that overflowed it.
      const path = this.#path(top - 1);
      throw new OutpostError("INPUT_INVALID", `Invalid input at '${path}': at most ${this.#limits.maxItems} items are allowed`);
    }
  }

  /** The JSON Pointer of the value being read, or of the container at `depth`. */
  #path(depth = this.#items.length - 1): string {
    let path = "";
    for (let d = 1; d <= depth; d++) path += `/${this.#isArray[d] ? Math.max(0, (this.#items[d] ?? 1) - 1) : this.#keys[d]}`;
    if (this.#within && path.startsWith(`${this.#within}/`)) path = path.slice(this.#within.length);
    return path || "/";
  }

  #tooLarge(why: string): OutpostError {
    return new OutpostError("INPUT_TOO_LARGE", `Request is too large: ${why}`);
  }
}
