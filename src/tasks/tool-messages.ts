import { OutpostError, type ChatMessage } from "../contract/index.js";

/** A chat message as the task schema accepts it, before templates see it. */
export interface InputMessage {
  role: string;
  content: string;
  tool_call_id?: string;
  tool_calls?: unknown[];
}

const invalid = (at: string, message: string) => new OutpostError("INPUT_INVALID", `Invalid input at '${at}': ${message}`);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** One earlier call, in either form: OpenAI `{id, type, function:{name, arguments: string}}` or legacy `{name, arguments}`. */
function callText(raw: unknown, at: string): string {
  if (!isObject(raw)) throw invalid(at, "expected a tool call object");
  const fn = isObject(raw.function) ? raw.function : raw;
  if (typeof fn.name !== "string" || fn.name === "") throw invalid(`${at}${raw.function ? "/function" : ""}/name`, "a tool call needs a name");
  let args: unknown = fn.arguments ?? {};
  if (typeof args === "string") {
    try {
      args = JSON.parse(args) as unknown;
    } catch {
      throw invalid(`${at}/function/arguments`, "expected the arguments as a JSON string");
    }
  }
  return `<tool_call>${JSON.stringify({ name: fn.name, arguments: args })}</tool_call>`;
}

/**
 * Writes earlier tool calls and their results into turns every chat template renders: an
 * assistant turn shows the calls it made, a `tool` turn becomes a user turn carrying the result
 * and the id of the call it answers (templates drop roles they have no section for).
 */
export function toolTurns(messages: InputMessage[]): ChatMessage[] {
  return messages.map((msg, index) => {
    const at = `/messages/${index}`;
    if (msg.role === "tool") {
      if (!msg.tool_call_id) throw invalid(`${at}/tool_call_id`, 'a role "tool" message needs the tool_call_id of the call it answers');
      return { role: "user", content: `Result of tool call ${msg.tool_call_id}: ${msg.content}` };
    }
    if (msg.tool_calls && msg.tool_calls.length > 0) {
      if (msg.role !== "assistant") throw invalid(`${at}/tool_calls`, "only assistant messages carry tool_calls");
      const calls = msg.tool_calls.map((call, i) => callText(call, `${at}/tool_calls/${i}`)).join("");
      return { role: "assistant", content: msg.content ? `${msg.content}\n${calls}` : calls };
    }
    return { role: msg.role, content: msg.content };
  });
}
