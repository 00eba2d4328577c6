import type { ChatMessage, PromptPart } from "../contract/index.js";

/**
 * Chat templates by family, as Workers AI names them. Each renders messages into prompt parts;
 * the BOS token is left to the engine, which knows whether the model wants one.
 */
type Render = (messages: ChatMessage[]) => PromptPart[];

const m = (text: string): PromptPart => ({ text, special: true });
const t = (text: string): PromptPart => ({ text, special: false });

const systemOf = (messages: ChatMessage[]) => messages.filter((x) => x.role === "system").map((x) => x.content).join("\n");
const turnsOf = (messages: ChatMessage[]) => messages.filter((x) => x.role !== "system");

/** `[INST]` style shared by llama2 and mistral-instruct; they differ in how the system prompt is placed. */
function inst(systemWrap: (system: string) => string): Render {
  return (messages) => {
    const system = systemOf(messages);
    const parts: PromptPart[] = [];
    let first = true;
    for (const msg of turnsOf(messages)) {
      if (msg.role === "assistant") {
        parts.push(t(` ${msg.content}`), m("</s>"));
        continue;
      }
      if (!first) parts.push(m("<s>"));
      parts.push(m("[INST] "));
      if (first && system) parts.push(t(systemWrap(system)));
      parts.push(t(msg.content), m(" [/INST]"));
      first = false;
    }
    return parts;
  };
}

/** Role-tagged templates: `open(role)` + content + `close`, then the assistant's opening tag. */
function tagged(open: (role: string) => string, close: string, assistantRole = "assistant"): Render {
  return (messages) => {
    const parts: PromptPart[] = [];
    for (const msg of messages) parts.push(m(open(msg.role)), t(msg.content), m(close));
    parts.push(m(open(assistantRole)));
    return parts;
  };
}

/** Plain-text templates: a label before each turn and a final label for the answer. */
function labelled(label: (role: string) => string, separator: string, answer: string): Render {
  return (messages) => {
    const parts: PromptPart[] = [];
    for (const msg of messages) parts.push(t(`${label(msg.role)}${msg.content}${separator}`));
    parts.push(t(answer));
    return parts;
  };
}

export const CHAT_TEMPLATES = {
  /** No markup: the contents joined by newlines. For base and story models. */
  bare: (messages) => [t(messages.map((x) => x.content).join("\n"))],
  inst: inst((system) => `${system}\n`),
  llama2: inst((system) => `<<SYS>>\n${system}\n<</SYS>>\n\n`),
  "mistral-instruct": inst((system) => `${system} `),
  chatml: tagged((role) => `<|im_start|>${role}\n`, "<|im_end|>\n"),
  zephyr: tagged((role) => `<|${role}|>\n`, "</s>\n"),
  tinyllama: tagged((role) => `<|${role}|>\n`, "</s>\n"),
  llama3: tagged((role) => `<|start_header_id|>${role}<|end_header_id|>\n\n`, "<|eot_id|>"),
  gemma: (messages) => {
    // Gemma has no system role: the system prompt is folded into the first user turn.
    const system = systemOf(messages);
    const turns = turnsOf(messages).map((x, i) =>
      i === 0 && system ? { role: x.role, content: `${system}\n\n${x.content}` } : x,
    );
    return tagged((role) => `<start_of_turn>${role === "assistant" ? "model" : role}\n`, "<end_of_turn>\n", "model")(turns);
  },
  openchat: labelled((role) => (role === "assistant" ? "GPT4 Correct Assistant: " : role === "system" ? "" : "GPT4 Correct User: "), "<|end_of_turn|>", "GPT4 Correct Assistant:"),
  starling: labelled((role) => (role === "assistant" ? "GPT4 Correct Assistant: " : role === "system" ? "" : "GPT4 Correct User: "), "<|end_of_turn|>", "GPT4 Correct Assistant:"),
  "phi-2": labelled((role) => (role === "assistant" ? "Output: " : role === "system" ? "" : "Instruct: "), "\n", "Output:"),
  deepseek: labelled((role) => (role === "assistant" ? "### Response:\n" : role === "system" ? "" : "### Instruction:\n"), "\n", "### Response:\n"),
  falcon: labelled((role) => (role === "assistant" ? "Falcon: " : role === "system" ? "System: " : "User: "), "\n", "Falcon:"),
  "orca-hashes": labelled((role) => `### ${role === "assistant" ? "Assistant" : role === "system" ? "System" : "User"}:\n`, "\n\n", "### Assistant:\n"),
  sqlcoder: labelled((role) => (role === "assistant" ? "### Response\n" : role === "system" ? "### Task\n" : "### Input\n"), "\n\n", "### Response\n"),
} satisfies Record<string, Render>;

export type ChatTemplateName = keyof typeof CHAT_TEMPLATES;

export function isChatTemplateName(name: string): name is ChatTemplateName {
  return Object.hasOwn(CHAT_TEMPLATES, name);
}

/** Renders messages with a named template; the catalog guarantees the name exists. */
export function renderChat(template: ChatTemplateName, messages: ChatMessage[]): PromptPart[] {
  return CHAT_TEMPLATES[template](messages);
}
