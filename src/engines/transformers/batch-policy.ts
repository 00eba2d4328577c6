import type { TransformersJob } from "./job.js";

/** Jobs one batched call serves at most, whatever their kind. */
export const MAX_BATCH_JOBS = 8;

/**
 * Query–context pairs one reranker forward scores: bounds the padded tensors (a real
 * bge-reranker-base at 512 tokens holds about 200 MB of attention for 16 pairs). A rerank job
 * with more contexts is scored in forwards of this many; jobs are merged while their pairs fit one.
 */
export const RERANK_BATCH = 16;

/**
 * Characters of padded text a text-classification batch may hold: its count times its longest
 * text. Every text is padded to the longest, so one 16 KiB text runs alone instead of making
 * seven short ones cost as much as it does.
 */
export const MAX_BATCH_PADDED_CHARS = 16_384;

/** The kinds served as one batched call; generation, detection and captions run one by one. */
export type BatchedJob = Extract<TransformersJob, { kind: "classify" | "rerank" | "classify-image" }>;

export function isBatched(job: TransformersJob): job is BatchedJob {
  return job.kind === "classify" || job.kind === "rerank" || job.kind === "classify-image";
}

/**
 * How many of the waiting jobs, from the first, one call serves: the first always, then those
 * after it while they are of its batched kind and within the bounds. FIFO: a job that does not
 * fit ends the batch rather than being skipped over.
 */
export function batchLength(waiting: readonly TransformersJob[]): number {
  const first = waiting[0];
  if (!first) return 0;
  if (!isBatched(first)) return 1;
  let length = 1;
  let pairs = first.kind === "rerank" ? first.contexts.length : 0;
  let longestChars = first.kind === "classify" ? first.text.length : 0;
  for (const next of waiting.slice(1, MAX_BATCH_JOBS)) {
    if (next.kind !== first.kind) break;
    if (next.kind === "rerank") {
      pairs += next.contexts.length;
      if (pairs > RERANK_BATCH) break;
    }
    if (next.kind === "classify") {
      longestChars = Math.max(longestChars, next.text.length);
      if ((length + 1) * longestChars > MAX_BATCH_PADDED_CHARS) break;
    }
    length++;
  }
  return length;
}
