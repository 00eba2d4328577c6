import { formatMs, formatNumber } from "../format.js";
import type { Turn } from "./state.js";

export interface AnswerStats {
  /** The server's count when the stream finished, else the tokens received. */
  tokens: number;
  /** From sending the request to the first token, as the browser saw it. */
  ttftMs?: number;
  /**
   * Decode speed: the tokens after the first over the time since the first. Leaving out the
   * first token keeps queueing and prompt processing (already in TTFT) out of the rate.
   */
  tokensPerS?: number;
}

export function answerStats(turn: Pick<Turn, "startedAt" | "firstTokenAt" | "endedAt" | "tokenEvents" | "completionTokens">, now = turn.endedAt): AnswerStats {
  const tokens = turn.completionTokens ?? turn.tokenEvents;
  const stats: AnswerStats = { tokens };
  if (turn.firstTokenAt === undefined) return stats;
  stats.ttftMs = turn.firstTokenAt - turn.startedAt;
  const decodeMs = now === undefined ? 0 : now - turn.firstTokenAt;
  if (tokens > 1 && decodeMs > 0) stats.tokensPerS = ((tokens - 1) * 1000) / decodeMs;
  return stats;
}

/** The line under an answer: "24 tokens · TTFT 45 ms · 230 tok/s". */
export function describeStats(stats: AnswerStats): string {
  const parts = [`${stats.tokens} ${stats.tokens === 1 ? "token" : "tokens"}`];
  if (stats.ttftMs !== undefined) parts.push(`TTFT ${formatMs(stats.ttftMs)}`);
  if (stats.tokensPerS !== undefined) parts.push(`${formatNumber(stats.tokensPerS)} tok/s`);
  return parts.join(" · ");
}
