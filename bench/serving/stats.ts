/** Percentile by nearest rank; NaN for no samples. `p` in [0, 100]. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

export function mean(values: number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** One request as a client saw it. Times are performance.now() milliseconds. */
export interface StreamResult {
  /** HTTP status (200 for the raw engine). */
  status: number;
  startMs: number;
  /** Arrival of each token event: a raw token, or one SSE `data:` event (it may carry several tokens). */
  eventMs: number[];
  endMs: number;
  /** Completion tokens, from usage (Outpost) or counted (raw). */
  tokens: number;
  text: string;
}

export interface Summary {
  requests: number;
  completed: number;
  /** Share of requests refused with 429. */
  rejectedShare: number;
  /** Share of requests that failed otherwise (any other status, or an in-band stream error). */
  failedShare: number;
  tokens: number;
  /** Token events seen; below `tokens` where the stream merged tokens (split UTF-8 held back). */
  events: number;
  wallMs: number;
  /** All completion tokens over the wall time from the first request to the last stream end. */
  aggregateTokensPerS: number;
  /** Mean over streams of tokens / (end - start): the rate one caller sees, TTFT included. */
  perStreamTokensPerS: number;
  ttftP50Ms: number;
  ttftP99Ms: number;
  /** Gaps between consecutive token events of a stream. */
  itlP50Ms: number;
  itlP99Ms: number;
}

export function summarise(results: StreamResult[]): Summary {
  const ok = results.filter((r) => r.status === 200 && r.eventMs.length > 0);
  const start = Math.min(...results.map((r) => r.startMs));
  const end = Math.max(...results.map((r) => r.endMs));
  const tokens = ok.reduce((sum, r) => sum + r.tokens, 0);
  const gaps = ok.flatMap((r) => r.eventMs.slice(1).map((t, i) => t - (r.eventMs[i] ?? t)));
  return {
    requests: results.length,
    completed: ok.length,
    rejectedShare: results.filter((r) => r.status === 429).length / results.length,
    failedShare: results.filter((r) => r.status !== 200 && r.status !== 429).length / results.length,
    tokens,
    events: ok.reduce((sum, r) => sum + r.eventMs.length, 0),
    wallMs: end - start,
    aggregateTokensPerS: (tokens / (end - start)) * 1000,
    perStreamTokensPerS: mean(ok.map((r) => (r.tokens / (r.endMs - r.startMs)) * 1000)),
    ttftP50Ms: percentile(ok.map((r) => (r.eventMs[0] ?? Number.NaN) - r.startMs), 50),
    ttftP99Ms: percentile(ok.map((r) => (r.eventMs[0] ?? Number.NaN) - r.startMs), 99),
    itlP50Ms: percentile(gaps, 50),
    itlP99Ms: percentile(gaps, 99),
  };
}

/**
 * The closed-loop workload both sides run: `concurrency` clients, each sending `rounds`
 * requests one after another; client i, round r uses prompt (i + r) mod prompts.
 */
export async function runClients(concurrency: number, rounds: number, prompts: string[], request: (prompt: string) => Promise<StreamResult>): Promise<PromptResult[]> {
  const results: PromptResult[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async (_, client) => {
      for (let round = 0; round < rounds; round++) {
        const prompt = prompts[(client + round) % prompts.length] ?? "";
        results.push({ ...(await request(prompt)), prompt });
      }
    }),
  );
  return results;
}

export type PromptResult = StreamResult & { prompt: string };

/** Share of `outpost` completions whose text equals the raw engine's for the same prompt (greedy both). */
export function sameTextShare(outpost: PromptResult[], raw: PromptResult[]): number {
  const expected = new Map(raw.map((r) => [r.prompt, r.text.trim()]));
  const ok = outpost.filter((r) => r.status === 200);
  return ok.filter((r) => expected.get(r.prompt) === r.text.trim()).length / ok.length;
}
