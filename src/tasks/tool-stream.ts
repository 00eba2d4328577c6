/** A tool call as it is generated: its name once the name is whole, then its arguments' JSON text as it grows. */
export type CallDelta = { index: number; name: string } | { index: number; arguments: string };

/**
 * Follows the JSON of tool calls while it is generated, for surfaces that stream calls
 * (OpenAI's `delta.tool_calls`). The grammar (tools.ts `callSchema`) writes one call object or
 * a list of them, each `{"name": …, "arguments" | "parameters": {…}}` with the name first, so a
 * call's name is known before its arguments begin and the arguments can be passed on as raw
 * text. The member that is not the name holds the arguments, whatever the format calls it.
 * The text is not validated here: the whole is parsed and checked when generation ends.
 */
export class CallScanner {
  /** Depth of a call object's members: 1 for one call, 2 inside a list; unknown until the first bracket. */
  #callDepth: number | undefined;
  #depth = 0;
  #index = -1;
  #inString = false;
  #escaped = false;
  /** The raw text of the string being read at a call's own depth (a key or the name). */
  #string: string | undefined;
  #key: string | undefined;
  #expectKey = false;
  /** Depth the arguments value opened at, while inside it. */
  #argumentsAt: number | undefined;

  feed(text: string): CallDelta[] {
    const deltas: CallDelta[] = [];
    let fragment = "";
    const flush = () => {
      if (fragment) deltas.push({ index: this.#index, arguments: fragment });
      fragment = "";
    };
    for (const char of text) {
      const inArguments = this.#argumentsAt !== undefined;
      if (inArguments) fragment += char;
      if (this.#inString) {
        this.#readString(char, deltas, flush);
        continue;
      }
      if (char === '"') {
        this.#inString = true;
        if (!inArguments && this.#depth === this.#callDepth) this.#string = "";
      } else if (char === "{" || char === "[") {
        this.#callDepth ??= char === "[" ? 2 : 1;
        if (!inArguments && this.#depth === this.#callDepth && this.#key !== undefined && this.#key !== "name") {
          this.#argumentsAt = this.#depth + 1;
          fragment += char;
        }
        this.#depth += 1;
        if (this.#depth === this.#callDepth && char === "{") {
          this.#index += 1;
          this.#expectKey = true;
          this.#key = undefined;
        }
      } else if (char === "}" || char === "]") {
        if (this.#depth === this.#argumentsAt) {
          flush();
          this.#argumentsAt = undefined;
          this.#key = undefined;
        }
        this.#depth -= 1;
      } else if (char === "," && this.#depth === this.#callDepth && !inArguments) {
        this.#expectKey = true;
      }
    }
    flush();
    return deltas;
  }

  #readString(char: string, deltas: CallDelta[], flush: () => void): void {
    const reading = this.#string !== undefined;
    if (this.#escaped) {
      this.#escaped = false;
    } else if (char === "\\") {
      this.#escaped = true;
    } else if (char === '"') {
      this.#inString = false;
      if (!reading) return;
      const value = JSON.parse(`"${this.#string}"`) as string;
      this.#string = undefined;
      if (this.#expectKey) {
        this.#key = value;
        this.#expectKey = false;
      } else if (this.#key === "name") {
        flush();
        deltas.push({ index: this.#index, name: value });
      }
      return;
    }
    if (reading) this.#string += char;
  }
}
