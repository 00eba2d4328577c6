import { randomBytes } from "node:crypto";
import { OutpostError, type ChatMessage, type JsonConstraint, type ToolCall } from "../contract/index.js";
import { MAX_PARALLEL_TOOL_CALLS } from "./constants.js";
import { toGrammarSchema } from "./json-schema.js";
import { compileValidator, type Validate } from "./json-validator.js";
import { toolFormatFor, type ToolFormat } from "./tool-formats.js";

type Schema = Record<string, unknown>;

interface Tool {
  name: string;
  description?: string;
  parameters: Schema;
  grammar: Schema;
  validate: Validate;
}

/** How the request's tools are offered to the model and how its calls come back. */
export interface ToolPlan {
  tools: Tool[];
  /** Output shape: legacy `[{name, arguments: object}]` or OpenAI `[{id, type, function}]`. */
  form: "legacy" | "openai";
  /** "auto": the model may answer in text; otherwise a call is grammar-forced (one tool when named). */
  choice: "auto" | "required" | { name: string };
  parallel: boolean;
  format: ToolFormat;
}

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const invalid = (at: string, message: string) => new OutpostError("INPUT_INVALID", `Invalid input at '${at}': ${message}`);
const isObject = (value: unknown): value is Schema => typeof value === "object" && value !== null && !Array.isArray(value);

function parseTool(raw: unknown, index: number): { tool: Tool; openai: boolean } {
  const at = `/tools/${index}`;
  if (!isObject(raw)) throw invalid(at, "expected a tool object");
  const openai = raw.type !== undefined || raw.function !== undefined;
  if (openai && raw.type !== "function") throw invalid(`${at}/type`, "only 'function' tools are supported");
  const fn = openai ? raw.function : raw;
  const fnAt = openai ? `${at}/function` : at;
  if (!isObject(fn)) throw invalid(fnAt, "expected a function object");
  if (fn.name === undefined || fn.name === "") throw invalid(`${fnAt}/name`, "a tool needs a name");
  if (typeof fn.name !== "string" || !NAME.test(fn.name)) throw invalid(`${fnAt}/name`, "a tool name is 1-64 letters, digits, '_' or '-'");
  if (fn.description !== undefined && typeof fn.description !== "string") throw invalid(`${fnAt}/description`, "expected a string");
  const parameters = fn.parameters ?? { type: "object", properties: {} };
  if (!isObject(parameters) || parameters.type !== "object") throw invalid(`${fnAt}/parameters`, "expected a JSON Schema of type 'object'");
  const grammar = toGrammarSchema(parameters, `${fnAt}/parameters`);
  return { tool: { name: fn.name, description: fn.description, parameters, grammar, validate: compileValidator(parameters) }, openai };
}

/** Checks `tools`, `tool_choice` and `parallel_tool_calls`; undefined when no tool is in play. */
export function planTools(rawTools: unknown[] | undefined, rawChoice: unknown, parallel: boolean | undefined, chatTemplate: string): ToolPlan | undefined {
  if (rawTools === undefined || rawTools.length === 0) {
    if (rawChoice !== undefined && rawChoice !== "none" && rawChoice !== "auto") throw invalid("/tool_choice", "tool_choice needs tools");
    return undefined;
  }
  const parsed = rawTools.map(parseTool);
  const seen = new Set<string>();
  for (const [index, { tool }] of parsed.entries()) {
    if (seen.has(tool.name)) throw invalid(`/tools/${index}`, `duplicate tool name '${tool.name}'`);
    seen.add(tool.name);
  }
  const choice = parseChoice(rawChoice, seen);
  if (choice === "none") return undefined;
  return {
    tools: parsed.map((x) => x.tool),
    form: parsed.some((x) => x.openai) ? "openai" : "legacy",
    choice,
    parallel: parallel !== false,
    format: toolFormatFor(chatTemplate),
  };
}

function parseChoice(raw: unknown, names: Set<string>): ToolPlan["choice"] | "none" {
  if (raw === undefined || raw === "auto") return "auto";
  if (raw === "none" || raw === "required") return raw;
  // Workers AI and some SDKs send `{type:"tool", name}` or `{type:"function", function:{name}}`.
  if (isObject(raw) && raw.type === "function" && isObject(raw.function) && typeof raw.function.name === "string") {
    if (!names.has(raw.function.name)) throw invalid("/tool_choice/function/name", `no tool is named '${raw.function.name}'`);
    return { name: raw.function.name };
  }
  throw invalid("/tool_choice", `expected "auto", "none", "required" or {"type":"function","function":{"name":…}}`);
}

/** The JSON the grammar lets the model write for one call, in the format's own keys. */
function callSchema(plan: ToolPlan, tools: Tool[]): Schema {
  const one = (tool: Tool) => ({ type: "object", properties: { name: { const: tool.name }, [plan.format.argumentsKey]: tool.grammar } });
  return tools.length === 1 ? one(tools[0] as Tool) : { oneOf: tools.map(one) };
}

/** The constraint for this plan: forced from the first token, or once the format's trigger appears. */
export function toolConstraint(plan: ToolPlan): JsonConstraint | undefined {
  const offered = typeof plan.choice === "object" ? plan.tools.filter((tool) => tool.name === (plan.choice as { name: string }).name) : plan.tools;
  const call = callSchema(plan, offered);
  const list = (maxItems: number) => ({ type: "array", items: call, minItems: 1, maxItems });
  if (plan.choice !== "auto") {
    // A named function is asked for once; "required" may call several tools when parallel calls are allowed.
    const several = plan.parallel && plan.choice === "required";
    return { schema: several ? list(MAX_PARALLEL_TOOL_CALLS) : plan.format.arrayCalls ? list(1) : call };
  }
  if (plan.format.trigger === undefined) return undefined;
  // After the trigger one call follows, or the format's list of calls.
  return { schema: plan.format.arrayCalls ? list(plan.parallel ? MAX_PARALLEL_TOOL_CALLS : 1) : call, trigger: plan.format.trigger };
}

/** The messages with the tools offered to the model, and earlier calls and results written out as text. */
export function withTools(plan: ToolPlan, messages: ChatMessage[], budgetChars: number): ChatMessage[] {
  const offered = plan.tools.map((tool) => ({ name: tool.name, description: tool.description ?? "", parameters: tool.parameters }));
  const full = plan.format.instructions(offered);
  // A small context cannot hold the full schemas: the names, and the grammar for the rest.
  const instructions = full.length <= budgetChars ? full : plan.format.instructions(offered.map(({ name }) => ({ name, description: "", parameters: {} })));
  return withSystemNote(messages, instructions);
}

/** Appends to the first system message, or starts one. */
export function withSystemNote(messages: ChatMessage[], note: string): ChatMessage[] {
  const [first, ...rest] = messages;
  if (first?.role === "system") return [{ role: "system", content: `${first.content}\n\n${note}` }, ...rest];
  return [{ role: "system", content: note }, ...messages];
}

export function newCallId(): string {
  return `call_${randomBytes(12).toString("hex")}`;
}

/**
 * Reads the calls out of generated text. Under a forced choice the whole text is the call JSON;
 * under "auto" the text before the trigger is the answer. Arguments are validated against each
 * tool's own schema; a call that does not validate is an error, never handed on.
 */
export function parseToolCalls(plan: ToolPlan, text: string): { content: string; calls: ToolCall[] } {
  let content = "";
  let json = text;
  if (plan.choice === "auto") {
    const at = plan.format.trigger === undefined ? -1 : text.indexOf(plan.format.trigger);
    if (at < 0) return plan.format.trigger === undefined ? untriggered(plan, text) : { content: text, calls: [] };
    content = text.slice(0, at).trim();
    json = text.slice(at + (plan.format.trigger?.length ?? 0));
  }
  const value: unknown = JSON.parse(json);
  const raw = Array.isArray(value) ? value : [value];
  return { content, calls: raw.map((call) => toCall(plan, call)) };
}

/** Formats without a trigger (llama 3.1 JSON): the answer is a call only if it is one whole call. */
function untriggered(plan: ToolPlan, text: string): { content: string; calls: ToolCall[] } {
  try {
    const value: unknown = JSON.parse(text.trim());
    return { content: "", calls: [toCall(plan, value)] };
  } catch {
    return { content: text, calls: [] };
  }
}

function toCall(plan: ToolPlan, raw: unknown): ToolCall {
  const key = plan.format.argumentsKey;
  if (!isObject(raw) || typeof raw.name !== "string" || !isObject(raw[key])) throw new OutpostError("INTERNAL", "The model's tool call is not a {name, arguments} object");
  const tool = plan.tools.find((x) => x.name === raw.name);
  if (!tool) throw new OutpostError("INTERNAL", `The model called an unknown tool '${raw.name}'`);
  const problem = tool.validate(raw[key]);
  if (problem) throw new OutpostError("INTERNAL", `The model's arguments for '${tool.name}' do not validate: ${problem}`);
  return { id: newCallId(), name: tool.name, arguments: raw[key] as Record<string, unknown> };
}

/** Calls in the request's form: legacy `{name, arguments}` or OpenAI's `{id, type, function}`. */
export function formatToolCalls(form: ToolPlan["form"], calls: ToolCall[]): unknown[] {
  return calls.map((call) =>
    form === "legacy"
      ? { id: call.id, name: call.name, arguments: call.arguments }
      : { id: call.id, type: "function", function: { name: call.name, arguments: JSON.stringify(call.arguments) } },
  );
}
