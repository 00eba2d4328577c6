import { OutpostError, type ChatMessage, type JsonConstraint, type RunEvent, type RunResult, type TextModel } from "../contract/index.js";
import { collectText } from "./collect.js";
import { planResponseFormat, structureEvents, type OutputPlan } from "./structured-output.js";
import type { Prepared } from "./task.js";
import { formatToolCalls, planTools, toolConstraint, withSystemNote, withTools } from "./tools.js";

interface StructuredInputs {
  response_format?: unknown;
  tools?: unknown[];
  tool_choice?: unknown;
  parallel_tool_calls?: boolean;
}

interface Plan {
  constraint?: JsonConstraint;
  output?: OutputPlan;
  /** Adds what the model must be told (the tools, the schema) to the conversation. */
  instruct(messages: ChatMessage[]): ChatMessage[];
}

/**
 * Characters of instructions per token of context: text is at most one token per character
 * in the vocabularies served here, so a quarter of the window always leaves room to answer.
 */
const INSTRUCTION_SHARE = 0.25;

/**
 * Reads `response_format`, `tools` and `tool_choice` into the constraint and the output plan.
 * The grammar alone guarantees the shape; the schema in the prompt only helps a model fill it
 * sensibly, so it is left out where it would crowd a small context.
 */
export function planOutput(inputs: StructuredInputs, model: Pick<TextModel, "chatTemplate" | "contextTokens">): Plan {
  const budgetChars = Math.floor(model.contextTokens * INSTRUCTION_SHARE);
  const chatTemplate = model.chatTemplate;
  const tools = planTools(inputs.tools, inputs.tool_choice, inputs.parallel_tool_calls, chatTemplate);
  const format = planResponseFormat(inputs.response_format);
  if (tools && format && tools.choice === "auto") {
    throw new OutpostError("INPUT_INVALID", "Invalid input at '/response_format': response_format together with tools needs tool_choice \"required\" or a named function");
  }
  if (tools) return { constraint: toolConstraint(tools), output: { kind: "tools", tools }, instruct: (messages) => withTools(tools, messages, budgetChars) };
  if (format) {
    const raw = inputs.response_format as { json_schema?: { schema?: unknown } };
    const schema = raw.json_schema ? (raw.json_schema.schema ?? raw.json_schema) : undefined;
    const withSchema = schema ? `Answer with JSON only, matching this JSON Schema: ${JSON.stringify(schema)}` : "";
    const note = withSchema && withSchema.length <= budgetChars ? withSchema : "Answer with JSON only.";
    return { ...format, instruct: (messages) => withSystemNote(messages, note) };
  }
  return { instruct: (messages) => messages };
}

/**
 * The task's output: the stream as is (checked at its end under a plan), or collected into
 * `{response, usage}`: in JSON mode `response` is the parsed value, as Workers AI returns it;
 * with tools, `tool_calls` in the request's form.
 */
export async function shapeText(events: AsyncIterable<RunEvent>, prepared: Prepared): Promise<RunResult> {
  const { output } = prepared;
  const shaped = output ? structureEvents(events, output) : events;
  if (prepared.stream) return { kind: "events", events: shaped };
  const collected = await collectText(shaped);
  const { response, usage } = collected;
  if (!output) return { kind: "json", value: { response, usage } };
  if (collected.incomplete) throw new OutpostError("OUTPUT_INCOMPLETE", collected.incomplete);
  if (output.kind === "json") return { kind: "json", value: { response: JSON.parse(response) as unknown, usage } };
  const calls = collected.toolCalls ?? [];
  return { kind: "json", value: calls.length > 0 ? { response, tool_calls: formatToolCalls(output.tools.form, calls), usage } : { response, usage } };
}
