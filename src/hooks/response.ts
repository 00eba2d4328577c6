import { tapEvents, type RunResult, type Usage, type WireError } from "../contract/index.js";
import type { ResponseSummary } from "./types.js";

/** One observing hook's call. */
export type Observation = { hook: "onResponse"; arg: ResponseSummary } | { hook: "onUsage"; arg: Usage } | { hook: "onError"; arg: WireError };

export interface AnswerWatch {
  /** The observing hooks an answer calls, together, so each plugin gets one message. */
  observe(calls: Observation[]): void;
  /** Whether a stream's text is collected for `respond` (only when some plugin reads it). */
  wantsText: boolean;
}

/** The token counts in a JSON answer (text generation's `usage`), if it has them. */
function usageOf(value: unknown): Usage | undefined {
  const usage = (value as { usage?: Partial<Usage> } | null)?.usage;
  if (!usage || typeof usage.prompt_tokens !== "number" || typeof usage.completion_tokens !== "number") return undefined;
  return { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, total_tokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens };
}

/** Tells the receiving node's observing hooks about a result: at once for JSON and bytes, at the final event for a stream. */
export function watchAnswer(result: RunResult, watch: AnswerWatch): RunResult {
  if (result.kind === "bytes") {
    watch.observe([{ hook: "onResponse", arg: { kind: "bytes", contentType: result.contentType } }]);
    return result;
  }
  if (result.kind === "json") {
    const usage = usageOf(result.value);
    watch.observe([{ hook: "onResponse", arg: { kind: "json", value: result.value } }, ...(usage ? [{ hook: "onUsage" as const, arg: usage }] : [])]);
    return result;
  }
  let text = "";
  const events = tapEvents(result.events, {
    event(event) {
      if (event.type === "token") {
        if (watch.wantsText) text += event.text;
      } else if (event.type === "done") {
        watch.observe([
          { hook: "onResponse", arg: { kind: "events", text, finishReason: event.finishReason, usage: event.usage } },
          { hook: "onUsage", arg: event.usage },
        ]);
      } else if (event.type === "error") {
        watch.observe([{ hook: "onError", arg: event.error }]);
      }
    },
  });
  return { kind: "events", events };
}
