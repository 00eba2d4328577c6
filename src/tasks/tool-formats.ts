/** A tool as the model is shown it. */
export interface OfferedTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/**
 * How one model family is told about tools and how it writes a call. Families trained on a
 * format get their own; every other model gets the generic one, and a grammar makes its calls
 * valid however little it was trained for them.
 */
export interface ToolFormat {
  id: "generic" | "hermes" | "llama3" | "mistral";
  /** The key holding a call's arguments. */
  argumentsKey: "arguments" | "parameters";
  /** Text that opens a call under tool_choice "auto"; without one, a whole-JSON answer is a call. */
  trigger?: string;
  /** The family writes a JSON list of calls after the trigger rather than one object. */
  arrayCalls: boolean;
  /** The system text that offers the tools. */
  instructions(tools: OfferedTool[]): string;
}

const json = (tools: OfferedTool[]) => JSON.stringify(tools.map((tool) => ({ type: "function", function: tool })));

const generic: ToolFormat = {
  id: "generic",
  argumentsKey: "arguments",
  trigger: "<tool_call>",
  arrayCalls: false,
  instructions: (tools) =>
    `You can call these functions: ${json(tools)}\nTo call one, reply with <tool_call>{"name": <function name>, "arguments": <arguments object>}; otherwise answer normally.`,
};

/** NousResearch Hermes / Qwen: `<tools>` in the system prompt, `<tool_call>` JSON in the answer. */
const hermes: ToolFormat = {
  id: "hermes",
  argumentsKey: "arguments",
  trigger: "<tool_call>",
  arrayCalls: false,
  instructions: (tools) =>
    "You are a function calling AI model. You are provided with function signatures within <tools></tools> XML tags. " +
    "You may call one or more functions to assist with the user query. Don't make assumptions about what values to plug into functions. " +
    `Here are the available tools: <tools> ${json(tools)} </tools> ` +
    'For each function call return a json object with function name and arguments within <tool_call></tool_call> XML tags as follows:\n<tool_call>\n{"name": <function-name>, "arguments": <args-dict>}\n</tool_call>',
};

/** Llama 3.1+ JSON tool calling: the answer is the bare `{"name", "parameters"}` object. */
const llama3: ToolFormat = {
  id: "llama3",
  argumentsKey: "parameters",
  arrayCalls: false,
  instructions: (tools) =>
    "Given the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\n" +
    'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}. Do not use variables.\n\n' +
    tools.map((tool) => JSON.stringify({ type: "function", function: tool })).join("\n\n"),
};

/** Mistral: `[AVAILABLE_TOOLS]` up front, calls as a `[TOOL_CALLS]` JSON list. */
const mistral: ToolFormat = {
  id: "mistral",
  argumentsKey: "arguments",
  trigger: "[TOOL_CALLS]",
  arrayCalls: true,
  instructions: (tools) => `[AVAILABLE_TOOLS] ${json(tools)} [/AVAILABLE_TOOLS]\nTo call functions, reply with [TOOL_CALLS] and a JSON list of {"name", "arguments"} objects.`,
};

/** Families by the catalog's chat template name (tasks/chat-templates.ts). */
const BY_TEMPLATE: Record<string, ToolFormat> = {
  chatml: hermes,
  "hermes2-pro": hermes,
  llama3,
  "mistral-instruct": mistral,
};

export function toolFormatFor(chatTemplate: string): ToolFormat {
  return BY_TEMPLATE[chatTemplate] ?? generic;
}
