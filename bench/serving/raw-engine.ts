/**
 * The baseline: the same workload on node-llama-cpp in this process, with no server, IPC,
 * HTTP or SSE. One context with a sequence per concurrent stream (llama.cpp batches them),
 * greedy sampling, the prompt tokenized as Outpost's bare template does: BOS + plain text.
 */
import { getLlama, LlamaGrammarEvaluationState, LlamaLogLevel, type Llama, type LlamaContext, type LlamaGrammar, type LlamaModel, type Token } from "node-llama-cpp";
import type { StreamResult } from "./stats.js";

let llama: Promise<Llama> | undefined;

export interface RawEngineOptions {
  modelPath: string;
  contextTokens: number;
  sequences: number;
  threads: number;
}

export class RawEngine implements AsyncDisposable {
  readonly #model: LlamaModel;
  readonly #context: LlamaContext;

  private constructor(model: LlamaModel, context: LlamaContext) {
    this.#model = model;
    this.#context = context;
  }

  static async load(options: RawEngineOptions): Promise<RawEngine> {
    // Same getLlama options as src/engines/llama: the same prebuilt CPU binary.
    llama ??= getLlama({ gpu: false, logLevel: LlamaLogLevel.error, build: "never" });
    const model = await (await llama).loadModel({ modelPath: options.modelPath, useMmap: true });
    const contextSize = Math.min(options.contextTokens, model.trainContextSize);
    const context = await model.createContext({ contextSize, sequences: options.sequences, threads: options.threads });
    return new RawEngine(model, context);
  }

  /** node-llama-cpp's own grammar for a JSON Schema, for the grammar-cost part. */
  async jsonSchemaGrammar(schema: object): Promise<LlamaGrammar> {
    return (await llama!).createGrammarForJsonSchema(schema as never);
  }

  /** One greedy completion on its own sequence, timed per token; under `grammar`, until its JSON closes. */
  async generate(prompt: string, maxTokens: number, grammar?: LlamaGrammar): Promise<StreamResult> {
    const startMs = performance.now();
    const bos = this.#model.tokens.bos;
    const tokens: Token[] = [...(bos === null ? [] : [bos]), ...this.#model.tokenize(prompt, false)];
    const sequence = this.#context.getSequence();
    const generated: Token[] = [];
    const eventMs: number[] = [];
    let endMs: number;
    try {
      const grammarEvaluationState = grammar ? new LlamaGrammarEvaluationState({ model: this.#model, grammar }) : undefined;
      for await (const token of sequence.evaluate(tokens, { temperature: 0, grammarEvaluationState })) {
        eventMs.push(performance.now());
        generated.push(token);
        if (generated.length >= maxTokens) break;
        // The grammar pads the value with newlines; its first one ends the JSON.
        if (grammar && this.#model.detokenize([token]).includes("\n") && this.#model.detokenize(generated).trimEnd().endsWith("}")) break;
      }
      endMs = performance.now();
    } finally {
      // The sequence id returns to the context only once an in-flight batch lets go of the
      // context lock; awaiting here keeps the next getSequence() from finding none left.
      await sequence.dispose();
    }
    return { status: 200, startMs, eventMs, endMs, tokens: generated.length, text: this.#model.detokenize(generated) };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#context.dispose();
    await this.#model.dispose();
  }
}
