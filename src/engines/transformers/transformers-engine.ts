import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { OutpostError, type ComputeReport, type Engine, type EngineJob, type EngineLoadOptions, type EngineResult, type EngineSettings, type LoadedModel, type TaskId } from "../../contract/index.js";
import { decodeImage } from "../../media/image.js";
import { chooseExecutionProvider, loadOnProvider, onnxCompute, thisMachine, type OnnxChoice } from "../onnx/index.js";
import type { CaptionResult, ClassifyResult, DetectResult, RerankResult, SummarizeResult, TransformersJob, TranslateResult } from "./job.js";

/** Pairs a reranker scores in one batch: bounds the padded tensors of a long context list. */
const RERANK_BATCH = 16;

type Transformers = typeof import("@huggingface/transformers");
/** The pipelines this engine builds, called the same way: text in, generation options, list out. */
type TextPipeline = ((input: unknown, options: Record<string, unknown>) => Promise<unknown>) & {
  tokenizer?: ((texts: string[], options: Record<string, unknown>) => Record<string, unknown>) & { encode(text: string): number[] };
  model: ((inputs: Record<string, unknown>) => Promise<{ logits: { data: ArrayLike<number> } }>) & { config: Record<string, unknown> };
  dispose(): Promise<void>;
};

/** The transformers.js pipeline each task runs. */
const PIPELINES: Partial<Record<TaskId, "translation" | "summarization" | "text-classification" | "image-classification" | "object-detection" | "image-to-text">> = {
  translation: "translation",
  summarization: "summarization",
  "text-classification": "text-classification",
  "image-classification": "image-classification",
  "object-detection": "object-detection",
  "image-to-text": "image-to-text",
};

let library: Promise<Transformers> | undefined;

/**
 * transformers.js, set to load only from the folder Outpost's store verified: remote models
 * off, so a missing file is an error, never a download from the Hub.
 */
function loadLibrary(): Promise<Transformers> {
  library ??= import("@huggingface/transformers").then((transformers) => {
    transformers.env.allowRemoteModels = false;
    transformers.env.allowLocalModels = true;
    transformers.env.useBrowserCache = false;
    transformers.env.useFSCache = false;
    return transformers;
  });
  return library;
}

/**
 * Encoder, encoder-decoder and vision models (M2M100, BART, DistilBERT, ResNet, DETR, ViT-GPT2) through transformers.js on
 * onnxruntime-node. The runner hands over the store's verified folder; transformers.js reads
 * it as a local model whose id is the folder's name.
 */
export class TransformersEngine implements Engine {
  readonly #gpu: EngineSettings["gpu"];
  #choice: OnnxChoice;

  /** In-process users (tests, benches) get the CPU unless they ask; a runner passes the server's settings. */
  constructor(settings: Pick<EngineSettings, "gpu"> = { gpu: "off" }) {
    this.#gpu = settings.gpu;
    this.#choice = chooseExecutionProvider(settings.gpu, thisMachine());
  }

  async compute(): Promise<ComputeReport> {
    return onnxCompute(this.#gpu, this.#choice);
  }

  async load(options: EngineLoadOptions): Promise<LoadedModel> {
    const pipelineTask = PIPELINES[options.model.task];
    if (!pipelineTask) throw new OutpostError("ENGINE_UNAVAILABLE", `The transformers engine does not run the ${options.model.task} task`);
    const transformers = await loadLibrary();
    transformers.env.localModelPath = dirname(options.path) + "/";
    const threads = Math.max(1, options.threads);
    const { loaded: pipe, choice } = await loadOnProvider(
      this.#choice,
      async (device) =>
        (await transformers.pipeline(pipelineTask, basename(options.path), {
          local_files_only: true,
          device,
          dtype: "fp32",
          session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 },
        })) as unknown as TextPipeline,
    );
    this.#choice = choice;
    const sizeBytes = await folderSizeBytes(options.path);
    const contextTokens = options.model.contextTokens;
    // One job at a time: onnxruntime's threads already use the model's CPU budget.
    let queue: Promise<unknown> = Promise.resolve();
    return {
      info: { sizeBytes },
      run: (job, signal) => {
        const next = queue.then(() => run(transformers, pipe, job, signal, contextTokens));
        queue = next.catch(() => undefined);
        return next;
      },
      [Symbol.asyncDispose]: () => pipe.dispose(),
    };
  }
}

async function run(transformers: Transformers, pipe: TextPipeline, raw: EngineJob, signal: AbortSignal, contextTokens: number | undefined): Promise<EngineResult> {
  const job = raw as TransformersJob;
  if (signal.aborted) throw new OutpostError("ABORTED", "The request was cancelled");
  if ("text" in job && pipe.tokenizer && contextTokens !== undefined) {
    const tokens = pipe.tokenizer.encode(job.text).length;
    if (tokens > contextTokens) throw new OutpostError("INPUT_INVALID", `Invalid input at '${job.field}': ${tokens} tokens, at most ${contextTokens} are allowed`);
  }
  const stop = new transformers.InterruptableStoppingCriteria();
  const onAbort = () => stop.interrupt();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const value = await answer(transformers, pipe, job, stop);
    if (signal.aborted) throw new OutpostError("ABORTED", "The request was cancelled");
    return { kind: "json", value };
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

async function answer(transformers: Transformers, pipe: TextPipeline, job: TransformersJob, stop: unknown): Promise<TranslateResult | SummarizeResult | ClassifyResult | DetectResult | RerankResult | CaptionResult> {
  switch (job.kind) {
    case "translate": {
      const out = (await pipe(job.text, { src_lang: job.sourceLang, tgt_lang: job.targetLang, max_new_tokens: job.maxNewTokens, stopping_criteria: stop })) as { translation_text: string }[];
      return { translated_text: out[0]?.translation_text ?? "" };
    }
    case "summarize": {
      const out = (await pipe(job.text, { max_new_tokens: job.maxNewTokens, stopping_criteria: stop })) as { summary_text: string }[];
      return { summary: out[0]?.summary_text ?? "" };
    }
    case "classify": {
      const out = (await pipe(job.text, { top_k: null })) as { label: string; score: number }[];
      return out.map(({ label, score }) => ({ label, score }));
    }
    case "rerank":
      return rerank(pipe, job.query, job.contexts, job.topK);
    case "classify-image": {
      const out = (await pipe(await rawImage(transformers, job.image, job.field), { top_k: job.topK })) as { label: string; score: number }[];
      // Workers AI answers ImageNet's first name for a class, upper case: "tench, Tinca tinca" is TENCH.
      return out.map(({ label, score }) => ({ label: (label.split(",")[0] ?? label).trim().toUpperCase(), score }));
    }
    case "detect": {
      const out = (await pipe(await rawImage(transformers, job.image, job.field), { threshold: job.threshold, percentage: false })) as DetectResult;
      return out.map(({ score, label, box }) => ({ score, label, box: { xmin: box.xmin, ymin: box.ymin, xmax: box.xmax, ymax: box.ymax } }));
    }
    case "caption": {
      const { sampling } = job;
      const options = {
        max_new_tokens: job.maxNewTokens,
        stopping_criteria: stop,
        ...(job.repetitionPenalty === undefined ? {} : { repetition_penalty: job.repetitionPenalty }),
        // Workers AI takes top_p up to 2; above 1 it keeps every token, which is transformers.js's 1.
        ...(sampling ? { do_sample: true, temperature: sampling.temperature, top_p: Math.min(sampling.topP ?? 1, 1), ...(sampling.topK === undefined ? {} : { top_k: sampling.topK }) } : {}),
      };
      const out = (await pipe(await rawImage(transformers, job.image, job.field), options)) as { generated_text: string }[];
      return { description: out[0]?.generated_text ?? "" };
    }
  }
}

/** Scores each context against the query (sigmoid of the cross-encoder's logit), best first. */
async function rerank(pipe: TextPipeline, query: string, contexts: string[], topK: number): Promise<RerankResult> {
  const tokenizer = pipe.tokenizer;
  if (!tokenizer) throw new OutpostError("INTERNAL", "The reranker has no tokenizer");
  const scored: RerankResult = [];
  for (let start = 0; start < contexts.length; start += RERANK_BATCH) {
    const batch = contexts.slice(start, start + RERANK_BATCH);
    const inputs = tokenizer(batch.map(() => query), { text_pair: batch, padding: true, truncation: true });
    const { logits } = await pipe.model(inputs);
    batch.forEach((_, i) => scored.push({ id: start + i, score: 1 / (1 + Math.exp(-Number(logits.data[i]))) }));
  }
  return scored.sort((a, b) => b.score - a.score || a.id - b.id).slice(0, topK);
}

async function rawImage(transformers: Transformers, base64: string, field: string): Promise<InstanceType<Transformers["RawImage"]>> {
  const { data, width, height, channels } = await decodeImage(Buffer.from(base64, "base64"), { field });
  return new transformers.RawImage(new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width, height, channels);
}

/** Bytes of every file under `dir`. */
async function folderSizeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await folderSizeBytes(path);
    else total += (await stat(path)).size;
  }
  return total;
}
