import { LlamaGrammarEvaluationState, type Llama, type LlamaGrammar, type LlamaModel } from "node-llama-cpp";
import { JSON_NUMBER_DIGITS, OutpostError, type JsonConstraint } from "../../contract/index.js";

/** Compiled grammars kept per engine, by schema text: a client repeats one schema per request. */
const GRAMMAR_CACHE_SIZE = 32;

/**
 * Finds where one JSON value ends in a stream of characters. The grammar allows nothing but
 * whitespace after the value (node-llama-cpp's JSON grammars end in four newlines), so
 * generation stops here instead of spending tokens on padding.
 */
export class JsonEnd {
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** A scalar (number, true, false, null) is being written at the top level. */
  #inScalar = false;
  #complete = false;

  get complete(): boolean {
    return this.#complete;
  }

  /** Feeds text; returns true once a whole value has been seen. */
  push(text: string): boolean {
    for (const char of text) {
      if (this.#complete) return true;
      this.#step(char);
    }
    return this.#complete;
  }

  #step(char: string): void {
    if (this.#inString) {
      if (this.#escaped) this.#escaped = false;
      else if (char === "\\") this.#escaped = true;
      else if (char === '"') {
        this.#inString = false;
        if (this.#depth === 0) this.#complete = true;
      }
      return;
    }
    const space = char === " " || char === "\n" || char === "\t" || char === "\r";
    if (this.#inScalar) {
      if (space || char === ",") this.#complete = true;
      return;
    }
    if (space) return;
    if (char === '"') this.#inString = true;
    else if (char === "{" || char === "[") this.#depth++;
    else if (char === "}" || char === "]") {
      this.#depth--;
      if (this.#depth === 0) this.#complete = true;
    } else if (this.#depth === 0) this.#inScalar = true;
  }
}

/**
 * One request's constraint: hands the sampler its grammar state (none until the trigger text
 * has appeared) and says when the constrained value is complete.
 */
export class ActiveConstraint {
  readonly #state: LlamaGrammarEvaluationState;
  readonly #trigger: string | undefined;
  readonly #end = new JsonEnd();
  #text = "";
  #active: boolean;

  constructor(model: LlamaModel, grammar: LlamaGrammar, constraint: JsonConstraint) {
    this.#state = new LlamaGrammarEvaluationState({ model, grammar });
    this.#trigger = constraint.trigger;
    this.#active = constraint.trigger === undefined;
  }

  /** For `evaluate`'s `grammarEvaluationState`, which is asked before every sampled token. */
  readonly grammarState = (): LlamaGrammarEvaluationState | undefined => (this.#active ? this.#state : undefined);

  /** Feeds generated text; returns true when generation should stop. */
  push(text: string): boolean {
    if (this.#active) return this.#end.push(text);
    this.#text += text;
    const at = this.#trigger === undefined ? -1 : this.#text.indexOf(this.#trigger);
    if (at < 0) return false;
    // The token that completed the trigger was sampled freely; what follows it is constrained.
    this.#active = true;
    return this.#end.push(this.#text.slice(at + (this.#trigger?.length ?? 0)));
  }
}

const DIGITS = `("0" | [1-9] [0-9]{0,${JSON_NUMBER_DIGITS - 1}})`;
/**
 * node-llama-cpp's numbers allow 16 digits and an exponent (1e999 parses as Infinity): bounded
 * here to the range the tasks promise, so a schema's safe-integer bounds always hold.
 */
export function boundNumbers(grammar: string): string {
  return grammar
    .replace(/^integer-number-rule ::= .*$/m, `integer-number-rule ::= "-"? ${DIGITS}`)
    .replace(/^fractional-number-rule ::= .*$/m, `fractional-number-rule ::= "-"? ${DIGITS} ("." [0-9]{1,16})?`);
}

/** Characters every JSON grammar needs the model to be able to write. */
const JSON_CHARACTERS = ["{", "}", "[", "]", '"', ":", ",", "0"];

/**
 * The first JSON character the vocabulary has no way to write, if any. Some tiny vocabularies
 * lack `{` and have no byte fallback: the grammar would leave no token to sample, and llama.cpp
 * fails inside the sampler, taking the runner with it. Such a model is refused up front.
 */
export function unwritableJsonCharacter(vocabulary: readonly string[]): string | undefined {
  const starts = new Set(vocabulary.map((piece) => (/^<0x[0-9A-F]{2}>$/.test(piece) ? String.fromCharCode(parseInt(piece.slice(3, 5), 16)) : piece[0])));
  return JSON_CHARACTERS.find((char) => !starts.has(char));
}

/** Compiles JSON constraints into llama.cpp grammars, keeping the recent ones. */
export class GrammarCompiler {
  readonly #llama: Llama;
  readonly #cache = new Map<string, Promise<LlamaGrammar>>();

  constructor(llama: Llama) {
    this.#llama = llama;
  }

  async activate(model: LlamaModel, constraint: JsonConstraint): Promise<ActiveConstraint> {
    const missing = unwritableJsonCharacter(model.fileInfo.metadata.tokenizer?.ggml?.tokens ?? []);
    if (missing !== undefined) {
      throw new OutpostError("INPUT_INVALID", `This model cannot write JSON: its vocabulary has no token for '${missing}', so JSON mode and tool calls are unavailable on it`);
    }
    const key = JSON.stringify(constraint.schema);
    let grammar = this.#cache.get(key);
    if (grammar) {
      this.#cache.delete(key);
    } else {
      // The schema was checked by the task against the subset node-llama-cpp's generator accepts.
      grammar = this.#llama
        .createGrammarForJsonSchema(constraint.schema as never)
        .then((generated) => this.#llama.createGrammar({ grammar: boundNumbers(generated.grammar) }));
      grammar.catch(() => this.#cache.delete(key));
    }
    this.#cache.set(key, grammar);
    if (this.#cache.size > GRAMMAR_CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value as string);
    return new ActiveConstraint(model, await grammar, constraint);
  }
}
