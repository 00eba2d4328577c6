import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { OutpostError, type ComputeReport, type Engine, type EngineLoadOptions, type EngineResult, type EngineSettings, type LoadedModel, type TaskId } from "../../contract/index.js";
import { decodeImage } from "../../media/image.js";
import { chooseExecutionProvider, loadOnProvider, onnxCompute, thisMachine, type OnnxChoice } from "../onnx/index.js";
import { batchLength, isBatched, RERANK_BATCH, type BatchedJob } from "./batch-policy.js";
import { BatchQueue, type Waiting } from "./batch-queue.js";
import type { CaptionResult, ClassifyResult, DetectResult, RerankResult, SummarizeResult, TransformersJob, TranslateResult } from "./job.js";

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
    // onnxruntime's intra-op pool is the model's `--threads`, which the scheduler's thread budget
    // counts, so runners × threads never exceed it; inter-op 1, these graphs being chains of ops.
    // On 2 cores a second thread served the SST-2, reranker and resnet-50 stand-ins no faster,
    // alone or four at a time, and cost 20–90% more CPU, its pool threads spinning between ops
    // (bench/README.md, tasks); the default, cores − 1, gives them one there.
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
    // One call at a time, onnxruntime's threads being the model's CPU budget; jobs that wait meanwhile share the next call where their kind allows.
    const queue = new BatchQueue<TransformersJob, EngineResult>(batchLength, (batch) => serve(transformers, pipe, batch, contextTokens));
    return {
      info: { sizeBytes },
      run: (job, signal) => queue.push(job as TransformersJob, signal),
      [Symbol.asyncDispose]: () => pipe.dispose(),
    };
  }
}

type Pending = Waiting<TransformersJob, EngineResult>;
type Image = InstanceType<Transformers["RawImage"]>;

/** A batched job past its own checks, with its decoded image if it has one. */
interface Ready {
  waiting: Pending;
  job: BatchedJob;
  image?: Image;
}

/**
 * Serves one batch (batch-policy.ts): a job of a batched kind and those that waited with it in
 * one call, anything else alone. Each job is checked on its own first (cancelled, too many
 * tokens, not an image), so a bad input fails only its own job.
 */
async function serve(transformers: Transformers, pipe: TextPipeline, batch: Pending[], contextTokens: number | undefined): Promise<void> {
  const first = batch[0];
  if (!first) return;
  const firstJob = first.job;
  if (!isBatched(firstJob)) {
    await run(transformers, pipe, firstJob, first.signal, contextTokens).then(first.resolve, first.reject);
    return;
  }
  const checked = await Promise.all(
    batch.map(async (waiting): Promise<Ready | undefined> => {
      try {
        if (waiting.signal.aborted) throw aborted();
        const job = waiting.job as BatchedJob;
        checkTokens(pipe, job, contextTokens);
        return job.kind === "classify-image" ? { waiting, job, image: await rawImage(transformers, job.image, job.field) } : { waiting, job };
      } catch (error) {
        waiting.reject(error);
        return undefined;
      }
    }),
  );
  const ready = checked.filter((r): r is Ready => r !== undefined);
  if (ready.length === 0) return;
  let values: unknown[];
  try {
    values = await answerBatch(pipe, ready);
  } catch (error) {
    if (ready.length === 1) {
      ready[0]?.waiting.reject(error);
      return;
    }
    // Whatever the batched call failed on, alone it fails only the job that caused it.
    for (const { waiting } of ready) await serve(transformers, pipe, [waiting], contextTokens);
    return;
  }
  ready.forEach(({ waiting }, i) => (waiting.signal.aborted ? waiting.reject(aborted()) : waiting.resolve({ kind: "json", value: values[i] })));
}

async function run(transformers: Transformers, pipe: TextPipeline, job: Exclude<TransformersJob, BatchedJob>, signal: AbortSignal, contextTokens: number | undefined): Promise<EngineResult> {
  if (signal.aborted) throw aborted();
  checkTokens(pipe, job, contextTokens);
  const stop = new transformers.InterruptableStoppingCriteria();
  const onAbort = () => stop.interrupt();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    const value = await answer(transformers, pipe, job, stop);
    if (signal.aborted) throw aborted();
    return { kind: "json", value };
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

function checkTokens(pipe: TextPipeline, job: TransformersJob, contextTokens: number | undefined): void {
  if (!("text" in job) || !pipe.tokenizer || contextTokens === undefined) return;
  const tokens = pipe.tokenizer.encode(job.text).length;
  if (tokens > contextTokens) throw new OutpostError("INPUT_INVALID", `Invalid input at '${job.field}': ${tokens} tokens, at most ${contextTokens} are allowed`);
}

function aborted(): OutpostError {
  return new OutpostError("ABORTED", "The request was cancelled");
}

async function answer(transformers: Transformers, pipe: TextPipeline, job: Exclude<TransformersJob, BatchedJob>, stop: unknown): Promise<TranslateResult | SummarizeResult | DetectResult | CaptionResult> {
  switch (job.kind) {
    case "translate": {
      const out = (await pipe(job.text, { src_lang: job.sourceLang, tgt_lang: job.targetLang, max_new_tokens: job.maxNewTokens, stopping_criteria: stop })) as { translation_text: string }[];
      return { translated_text: out[0]?.translation_text ?? "" };
    }
    case "summarize": {
      const out = (await pipe(job.text, { max_new_tokens: job.maxNewTokens, stopping_criteria: stop })) as { summary_text: string }[];
      return { summary: out[0]?.summary_text ?? "" };
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

/**
 * One answer per job, in order, from one call: the pipeline pads texts to the longest and
 * stacks images (resized to the model's input) into one tensor. All jobs are of one kind.
 */
async function answerBatch(pipe: TextPipeline, ready: Ready[]): Promise<ClassifyResult[] | RerankResult[]> {
  const kind = ready[0]?.job.kind;
  const jobs = ready.map((r) => r.job);
  if (kind === "classify") {
    const out = (await pipe(
      jobs.map((job) => (job as Extract<BatchedJob, { kind: "classify" }>).text),
      { top_k: null },
    )) as ClassifyResult[];
    return out.map((labels) => labels.map(({ label, score }) => ({ label, score })));
  }
  if (kind === "rerank") return rerank(pipe, jobs as Extract<BatchedJob, { kind: "rerank" }>[]);
  const topK = Math.max(...jobs.map((job) => (job as Extract<BatchedJob, { kind: "classify-image" }>).topK));
  const out = (await pipe(
    ready.map((r) => r.image),
    { top_k: topK },
  )) as ClassifyResult[];
  // Workers AI answers ImageNet's first name for a class, upper case: "tench, Tinca tinca" is TENCH.
  return out.map((labels, i) =>
    labels.slice(0, (jobs[i] as Extract<BatchedJob, { kind: "classify-image" }>).topK).map(({ label, score }) => ({ label: (label.split(",")[0] ?? label).trim().toUpperCase(), score })),
  );
}

/**
 * Scores each job's contexts against its query (sigmoid of the cross-encoder's logit), best
 * first: every job's pairs in forwards of RERANK_BATCH, jobs sharing a forward.
 */
async function rerank(pipe: TextPipeline, jobs: Extract<BatchedJob, { kind: "rerank" }>[]): Promise<RerankResult[]> {
  const tokenizer = pipe.tokenizer;
  if (!tokenizer) throw new OutpostError("INTERNAL", "The reranker has no tokenizer");
  const pairs = jobs.flatMap((job, j) => job.contexts.map((context, id) => ({ j, id, query: job.query, context })));
  const scored: RerankResult[] = jobs.map(() => []);
  for (let start = 0; start < pairs.length; start += RERANK_BATCH) {
    const batch = pairs.slice(start, start + RERANK_BATCH);
    const inputs = tokenizer(
      batch.map((p) => p.query),
      { text_pair: batch.map((p) => p.context), padding: true, truncation: true },
    );
    const { logits } = await pipe.model(inputs);
    batch.forEach(({ j, id }, i) => scored[j]?.push({ id, score: 1 / (1 + Math.exp(-Number(logits.data[i]))) }));
  }
  return scored.map((s, j) => s.sort((a, b) => b.score - a.score || a.id - b.id).slice(0, jobs[j]?.topK));
}

async function rawImage(transformers: Transformers, base64: string, field: string): Promise<Image> {
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
