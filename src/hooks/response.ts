import { tapEvents, type RunResult, type Usage, type WireError } from "../contract/index.js";
import type { ResponseSummary } from "./types.js";

export interface AnswerWatch {
  respond(summary: ResponseSummary): void;
  usage(usage: Usage): void;
  error(error: WireError): void;
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
    watch.respond({ kind: "bytes", contentType: result.contentType });
    return result;
  }
  if (result.kind === "json") {
    watch.respond({ kind: "json", value: result.value });
    const usage = usageOf(result.value);
    if (usage) watch.usage(usage);
    return result;
  }
  let text = "";
  const events = tapEvents(result.events, {
    event(event) {
      if (event.type === "token") {
        if (watch.wantsText) text += event.text;
      } else if (event.type === "done") {
        watch.respond({ kind: "events", text, finishReason: event.finishReason, usage: event.usage });
        watch.usage(event.usage);
      } else if (event.type === "error") {
        watch.error(event.error);
      }
    },
  });
  return { kind: "events", events };
}
