import { OutpostError, type JsonConstraint, type RunEvent } from "../contract/index.js";
import { toGrammarSchema } from "./json-schema.js";
import { compileValidator, type Validate } from "./json-validator.js";
import { parseToolCalls, type ToolPlan } from "./tools.js";

/** What a text-generation answer must be, beyond text: one JSON value, or tool calls. */
export type OutputPlan = { kind: "json"; validate: Validate } | { kind: "tools"; tools: ToolPlan };

const ANY_OBJECT = { type: "object", properties: {}, additionalProperties: true };
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * `response_format` → the grammar and the check after generation. Workers AI puts the schema
 * itself in `json_schema`; OpenAI wraps it as `{name, schema, strict}`. Always strict here: a
 * schema is enforced or refused, never ignored.
 */
export function planResponseFormat(raw: unknown): { constraint: JsonConstraint; output: OutputPlan } | undefined {
  if (raw === undefined) return undefined;
  if (!isObject(raw)) throw new OutpostError("INPUT_INVALID", "Invalid input at '/response_format': expected an object");
  if (raw.type === "text") return undefined;
  if (raw.type === "json_object") return { constraint: { schema: ANY_OBJECT }, output: { kind: "json", validate: compileValidator({ type: "object" }) } };
  if (raw.type !== "json_schema") throw new OutpostError("INPUT_INVALID", `Invalid input at '/response_format/type': expected "text", "json_object" or "json_schema"`);
  const wrapper = raw.json_schema;
  if (!isObject(wrapper)) throw new OutpostError("INPUT_INVALID", "Invalid input at '/response_format/json_schema': a JSON Schema is required");
  const openAiForm = "schema" in wrapper;
  const schema = openAiForm ? wrapper.schema : wrapper;
  const at = openAiForm ? "/response_format/json_schema/schema" : "/response_format/json_schema";
  if (!isObject(schema)) throw new OutpostError("INPUT_INVALID", `Invalid input at '${at}': expected a JSON Schema object`);
  const grammar = toGrammarSchema(schema, at);
  return { constraint: { schema: grammar }, output: { kind: "json", validate: compileValidator(schema) } };
}

/** The message a cut-off JSON value ends with, on every surface. */
export function incompleteMessage(what: string): string {
  return `The ${what} is incomplete: max_tokens was reached inside the JSON value; raise max_tokens`;
}

/**
 * Shapes a token stream under a plan. JSON mode streams the text and checks the whole value at
 * the end. With tools, call JSON is held back from the tokens (under "auto", what follows the
 * trigger) and passed on as `call_text`; the parsed calls ride on the `done` event.
 */
export async function* structureEvents(events: AsyncIterable<RunEvent>, plan: OutputPlan): AsyncIterable<RunEvent> {
  const trigger = plan.kind === "tools" && plan.tools.choice === "auto" ? plan.tools.format.trigger : undefined;
  const holdAll = plan.kind === "tools" && plan.tools.choice !== "auto";
  let text = "";
  let sent = 0;
  let callSent = 0;
  for await (const event of events) {
    if (event.type === "error") {
      yield event;
      return;
    }
    if (event.type === "call_text") {
      yield event;
      continue;
    }
    if (event.type === "token") {
      text += event.text;
      if (plan.kind === "json") {
        yield event;
        sent = text.length;
        continue;
      }
      if (holdAll) {
        yield { type: "call_text", text: event.text };
        continue;
      }
      // Under "auto" text flows until the trigger; a tail that may be its start waits for the next token.
      const safe = trigger === undefined ? text.length : safeEnd(text, trigger);
      if (safe > sent) yield { type: "token", text: text.slice(sent, safe) };
      sent = Math.max(sent, safe);
      const at = trigger === undefined ? -1 : text.indexOf(trigger);
      if (at >= 0 && trigger !== undefined) {
        const from = Math.max(at + trigger.length, callSent);
        if (text.length > from) yield { type: "call_text", text: text.slice(from) };
        callSent = text.length;
      }
      continue;
    }
    const final = finish(plan, text, event);
    // An "auto" answer that made no call: the tail held back in case it began the trigger is text.
    if (final.type === "done" && !final.toolCalls && !holdAll && sent < text.length) yield { type: "token", text: text.slice(sent) };
    yield final;
    return;
  }
}

function finish(plan: OutputPlan, text: string, done: Extract<RunEvent, { type: "done" }>): RunEvent {
  if (plan.kind === "json") {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      if (done.finishReason === "length") return { ...done, incomplete: incompleteMessage("JSON") };
      throw new OutpostError("INTERNAL", "The constrained output is not JSON", { cause: error });
    }
    const problem = plan.validate(value);
    if (problem) throw new OutpostError("INTERNAL", `The constrained output does not match the schema: ${problem}`);
    return done;
  }
  let parsed;
  try {
    parsed = parseToolCalls(plan.tools, text);
  } catch (error) {
    if (done.finishReason === "length" && error instanceof SyntaxError) return { ...done, incomplete: incompleteMessage("tool call") };
    throw OutpostError.from(error);
  }
  if (parsed.calls.length === 0) return done;
  return { ...done, finishReason: "tool_calls", toolCalls: parsed.calls };
}

/** How much of `text` can be sent: all of it up to the trigger, less a tail that could start it. */
function safeEnd(text: string, trigger: string): number {
  const at = text.indexOf(trigger);
  if (at >= 0) return at;
  for (let keep = Math.min(trigger.length - 1, text.length); keep > 0; keep--) {
    if (trigger.startsWith(text.slice(text.length - keep))) return text.length - keep;
  }
  return text.length;
}
