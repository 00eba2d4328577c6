import { OutpostError, type FinishReason, type RunEvent, type ToolCall, type Usage } from "../contract/index.js";

export interface CollectedText {
  response: string;
  usage: Usage;
  finishReason: FinishReason;
  toolCalls?: ToolCall[];
  /** Why the JSON the request required is cut off (see RunEvent `done`). */
  incomplete?: string;
}

/** Collects a token stream into `{response, usage}`; an error event becomes a thrown error. */
export async function collectText(events: AsyncIterable<RunEvent>): Promise<CollectedText> {
  let response = "";
  for await (const event of events) {
    if (event.type === "token") response += event.text;
    else if (event.type === "error") throw OutpostError.fromWire(event.error);
    else if (event.type === "done") return { response, usage: event.usage, finishReason: event.finishReason, toolCalls: event.toolCalls, incomplete: event.incomplete };
  }
  throw new OutpostError("INTERNAL", "Token stream ended without a final event");
}
