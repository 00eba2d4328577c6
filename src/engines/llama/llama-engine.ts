import { stat } from "node:fs/promises";
import {
  SpecialTokensText,
  resolveChatWrapper,
  type ChatHistoryItem,
  type LlamaContext,
  type LlamaEmbeddingContext,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import {
  OutpostError,
  type ChatMessage,
  type ComputeReport,
  type EmbedResult,
  type Engine,
  type EngineJob,
  type EngineLoadOptions,
  type EngineResult,
  type EngineSettings,
  type LoadedModel,
  type PromptPart,
  type RunEvent,
  type TextJob,
} from "../../contract/index.js";
import { BatchSchedule } from "./batch-schedule.js";
import { StreamDetokenizer } from "./detokenizer.js";
import { StopTexts } from "./stop-texts.js";
import { GrammarCompiler } from "./grammar.js";
import { llamaCompute, startBackend, type LlamaBackend } from "./backend.js";
import { contextSizeOption, gpuLayersOption } from "./fit.js";

/** Recent tokens that repetition penalties look back over. */
const PENALTY_WINDOW_TOKENS = 64;

type GenerateJob = Extract<TextJob, { kind: "generate" | "chat" }>;

/** llama.cpp through node-llama-cpp, on the backend `--gpu` picks. One instance per runner process. */
export class LlamaEngine implements Engine {
  /**
   * Started at once, not at the first load: a spare runner creates its engine ahead of need,
   * and starting node-llama-cpp's binding is most of a runner's start.
   */
  readonly #backend: Promise<LlamaBackend>;
  readonly #settings: EngineSettings;

  constructor(settings: EngineSettings) {
    this.#settings = settings;
    this.#backend = startBackend(settings.gpu, settings.cacheDir);
    // A failure surfaces at load(); until then it must not count as unhandled.
    this.#backend.catch(() => undefined);
  }

  async compute(): Promise<ComputeReport> {
    return llamaCompute(await this.#backend, this.#settings.gpu);
  }

  async load(options: EngineLoadOptions): Promise<LoadedModel> {
    const { llama } = await this.#backend;
    const onGpu = llama.gpu !== false;
    const embedding = options.model.task === "text-embeddings";
    // The model's share of the VRAM budget: `auto` layers and context fit under it.
    if (onGpu && options.vramBytes !== undefined) await llama.setVramCap(options.vramBytes);
    const asked = options.model.contextTokens;
    const model = await llama.loadModel({ modelPath: options.path, useMmap: true, gpuLayers: gpuLayersOption(this.#settings.gpuLayers, asked, options.slots, embedding) });
    const { size } = await stat(options.path);
    const contextTokens = Math.min(asked ?? model.trainContextSize, model.trainContextSize);
    const contextSize = contextSizeOption(onGpu, contextTokens);
    const grammars = new GrammarCompiler(llama);
    // One GGUF serves both text tasks; which context it gets depends on the catalog entry's task.
    if (embedding) {
      const context = await model.createEmbeddingContext({ contextSize, threads: options.threads });
      const info = { sizeBytes: size, vramBytes: (await llama.getLlamaMemoryUsage()).gpuVram };
      return new LlamaLoadedModel(model, undefined, context, contextTokens, info, grammars);
    }
    const schedule = new BatchSchedule();
    const context = await model.createContext({
      contextSize,
      sequences: options.slots,
      threads: options.threads,
      batching: { dispatchSchedule: schedule.dispatchSchedule },
    });
    const info = { sizeBytes: size, vramBytes: (await llama.getLlamaMemoryUsage()).gpuVram };
    return new LlamaLoadedModel(model, context, undefined, Math.min(contextTokens, context.contextSize), info, grammars, schedule);
  }
}

class LlamaLoadedModel implements LoadedModel {
  readonly info;
  readonly #model: LlamaModel;
  readonly #context: LlamaContext | undefined;
  readonly #embedding: LlamaEmbeddingContext | undefined;
  readonly #contextTokens: number;
  readonly #grammars: GrammarCompiler;
  readonly #schedule: BatchSchedule | undefined;

  constructor(
    model: LlamaModel,
    context: LlamaContext | undefined,
    embedding: LlamaEmbeddingContext | undefined,
    contextTokens: number,
    info: LoadedModel["info"],
    grammars: GrammarCompiler,
    schedule?: BatchSchedule,
  ) {
    this.#grammars = grammars;
    this.#schedule = schedule;
    this.#model = model;
    this.#context = context;
    this.#embedding = embedding;
    this.#contextTokens = contextTokens;
    this.info = info;
  }

  async run(job: EngineJob, signal: AbortSignal): Promise<EngineResult> {
    // Jobs come from this build's text tasks (tasks/text-*.ts), so the shape is trusted.
    const text = job as TextJob;
    if (text.kind === "embed") return { kind: "json", value: await this.#embed(text, signal) };
    return { kind: "events", events: this.#generate(text, signal) };
  }

  async *#generate(job: GenerateJob, signal: AbortSignal): AsyncIterable<RunEvent> {
    if (!this.#context) throw new OutpostError("INPUT_INVALID", "This model is loaded for embeddings, not text generation");
    // Before tokenizing: a vocabulary that cannot write JSON is refused before it sees the schema.
    const constraint = job.constraint ? await this.#grammars.activate(this.#model, job.constraint) : undefined;
    const tokens = job.kind === "chat" ? this.#tokenizeChat(job.messages) : this.#tokenizePrompt(job.prompt);
    const room = this.#contextTokens - tokens.length;
    if (room < 1) {
      throw new OutpostError("CONTEXT_LENGTH_EXCEEDED", `The prompt is ${tokens.length} tokens; the model's context window is ${this.#contextTokens} tokens`);
    }
    const maxTokens = Math.min(job.sampling.maxTokens, room);
    const { sampling } = job;
    const generated: Token[] = [];
    const penalised = sampling.repetitionPenalty !== undefined || sampling.frequencyPenalty !== undefined || sampling.presencePenalty !== undefined;
    const sequence = this.#context.getSequence();
    const detokenizer = new StreamDetokenizer(this.#model);
    // A grammar decides where constrained output ends; elsewhere the GGUF's end texts do.
    const stops = new StopTexts(constraint ? [] : this.#endTexts());
    let finishReason: "stop" | "length" = "stop";
    this.#schedule?.sequenceStarting();
    try {
      const evaluation = sequence.evaluate(tokens, {
        temperature: sampling.temperature,
        topK: sampling.topK,
        topP: sampling.topP,
        // llama.cpp seeds are uint32 and 0xFFFFFFFF means "random": fold Workers AI's wider range below it.
        seed: sampling.seed === undefined ? undefined : sampling.seed % 0xffffffff,
        grammarEvaluationState: constraint?.grammarState,
        repeatPenalty: penalised
          ? {
              punishTokens: () => generated.slice(-PENALTY_WINDOW_TOKENS),
              penalty: sampling.repetitionPenalty,
              frequencyPenalty: sampling.frequencyPenalty,
              presencePenalty: sampling.presencePenalty,
            }
          : undefined,
      });
      // The next token is asked for before this one is handled (detokenized, checked for stop
      // texts, sent on): node-llama-cpp starts its decode at once, so that work runs beside the
      // decode instead of between two tokens. A stop text found meanwhile throws one decode away;
      // max_tokens is known ahead, so the last token asks for none.
      let ahead: Promise<IteratorResult<Token, void>> | undefined = evaluation.next();
      let counted = false;
      try {
        while (ahead) {
          const step = await ahead;
          ahead = undefined;
          if (step.done || signal.aborted) break;
          const token = step.value;
          // End-of-generation tokens the GGUF declares (EOS, EOT, the EOG list: `<|end_story|>` of
          // TinyStories-656K) end the answer with "stop"; they are markup, never text.
          if (this.#model.isEogToken(token)) break;
          // Pushed first: the penalties of the decode asked for next look back over it.
          generated.push(token);
          const last = generated.length >= maxTokens;
          // A constraint is asked first: the text it sees may turn its grammar on for the next token.
          if (!last && !constraint) ahead = evaluation.next();
          const text = stops.push(detokenizer.push(token));
          if (text) {
            yield counted ? { type: "token", text } : { type: "token", text, promptTokens: tokens.length };
            counted = true;
          }
          if (stops.stopped || constraint?.push(text)) break;
          if (last) {
            finishReason = "length";
            break;
          }
          ahead ??= evaluation.next();
        }
      } finally {
        // A decode asked for and not wanted: its failure is nobody's, and return() waits for it.
        ahead?.catch(() => undefined);
        await evaluation.return();
      }
      const rest = stops.push(detokenizer.flush()) + stops.flush();
      if (rest) yield counted ? { type: "token", text: rest } : { type: "token", text: rest, promptTokens: tokens.length };
    } finally {
      this.#schedule?.sequenceEnded();
      // Disposal is async: the sequence id is reusable only once it resolves, so the slot the
      // scheduler hands on after `done` is really free.
      await sequence.dispose();
    }
    if (signal.aborted) throw new OutpostError("ABORTED", "The request was cancelled");
    const usage = { prompt_tokens: tokens.length, completion_tokens: generated.length, total_tokens: tokens.length + generated.length };
    yield { type: "done", usage, finishReason };
  }

  async #embed(job: Extract<TextJob, { kind: "embed" }>, signal: AbortSignal): Promise<EmbedResult> {
    if (!this.#embedding) throw new OutpostError("INPUT_INVALID", "This model is loaded for text generation, not embeddings");
    // Check every text before computing any, so an oversize item fails the request cheaply.
    let tokens = 0;
    for (const [index, text] of job.texts.entries()) {
      const length = this.#embedding.calculateInputLength(text);
      if (length > job.maxTokensPerText) {
        throw new OutpostError("INPUT_INVALID", `Invalid input at '/text/${index}': ${length} tokens, at most ${job.maxTokensPerText} are allowed`);
      }
      tokens += length;
    }
    const vectors: number[][] = [];
    for (const text of job.texts) {
      if (signal.aborted) throw new OutpostError("ABORTED", "The request was cancelled");
      const embedding = await this.#embedding.getEmbeddingFor(text);
      vectors.push([...embedding.vector]);
    }
    return { vectors, tokens };
  }

  /** The texts of the GGUF's end-of-generation tokens (EOS, EOT), as the model may spell them out. */
  #endTexts(): string[] {
    return [this.#model.tokens.eos, this.#model.tokens.eot].filter((token): token is Token => token !== null).map((token) => this.#model.detokenize([token], true));
  }

  #tokenizePrompt(parts: PromptPart[]): Token[] {
    const tokens: Token[] = [];
    const bos = this.#model.tokens.bos;
    const addBos = this.#model.fileInfo.metadata.tokenizer?.ggml?.add_bos_token ?? true;
    if (bos !== null && addBos) tokens.push(bos);
    // Tokenized as llama.cpp tokenizes the whole rendered string (SentencePiece vocabularies get
    // a space prefix only at the start and after a special token), except that caller text never
    // becomes a special token: markup is split into its special tokens and text, and every run of
    // text between special tokens, caller text included, is tokenized whole. A tokenize() per part
    // put a space at each boundary: "System. " + "User" reached the model as "System.  User".
    let run = "";
    const flush = () => {
      // A loop, not push(...): a spread passes every token as a call argument, and a prompt of
      // ~130k tokens overflows the stack ("Maximum call stack size exceeded").
      if (run) for (const token of this.#model.tokenize(run, false)) tokens.push(token);
      run = "";
    };
    for (const part of parts) {
      const pieces = part.special ? new SpecialTokensText(part.text).tokenizeSpecialTokensOnly(this.#model.tokenizer) : [part.text];
      for (const piece of pieces) {
        if (typeof piece === "string") {
          run += piece;
        } else {
          flush();
          tokens.push(piece);
        }
      }
    }
    flush();
    return tokens;
  }

  /** Renders with the GGUF's own chat template (or node-llama-cpp's best match for the model). */
  #tokenizeChat(messages: ChatMessage[]): Token[] {
    const wrapper = resolveChatWrapper(this.#model);
    const chatHistory: ChatHistoryItem[] = messages.map((msg): ChatHistoryItem => {
      if (msg.role === "system") return { type: "system", text: msg.content };
      if (msg.role === "assistant") return { type: "model", response: [msg.content] };
      return { type: "user", text: msg.content };
    });
    chatHistory.push({ type: "model", response: [] });
    return wrapper.generateContextState({ chatHistory }).contextText.tokenize(this.#model.tokenizer);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#context?.dispose();
    await this.#embedding?.dispose();
    await this.#model.dispose();
  }
}
