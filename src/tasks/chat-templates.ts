import type { ChatMessage, PromptPart } from "../contract/index.js";

/**
 * Chat templates by family, rendering exactly what Workers AI rendered: the mustache templates
 * of `@cloudflare/ai` (1.2.2, `templates`), quirks included, so a prompt tuned against Workers AI
 * reaches the model unchanged. chat-templates.test.ts checks every family against that SDK's own
 * renderer. Two deliberate differences: template markup is a `special` part and caller text never
 * is (no injecting `<|im_end|>`), and a leading BOS (`<s>`, `<|begin_of_text|>`) is left to the
 * engine, which knows whether the model wants one.
 */

/** A message plus what Workers AI's template view knew about it. */
interface Turn {
  role: string;
  content: string;
  /** The first message of its role (the view's `countUser1`, `countSystem1`). */
  first: boolean;
  /** The message before this one is a system message (`beforewasSystem`). */
  afterSystem: boolean;
  /**
   * What `{{#lastSystem}}` resolves to here: the latest system prompt before this message, else
   * the conversation's last system prompt (mustache falls back to the root view).
   */
  lastSystem: string;
}

interface Conversation {
  turns: Turn[];
  /** The last user and system contents of the whole conversation ("" when there is none). */
  lastUser: string;
  lastSystem: string;
}

type Render = (conversation: Conversation) => PromptPart[];
type TurnRender = (turn: Turn) => PromptPart[];

const m = (text: string): PromptPart => ({ text, special: true });
const t = (text: string): PromptPart => ({ text, special: false });
const BOS = m("<s>");
/** BOS markers the templates open with; dropped there, because the engine adds the model's own. */
const LEADING_BOS = new Set(["<s>", "<|begin_of_text|>"]);

function conversationOf(messages: ChatMessage[]): Conversation {
  const seen = new Map<string, number>();
  const lastSystemOverall = messages.findLast((x) => x.role === "system")?.content;
  let systemSoFar: string | undefined;
  const turns = messages.map((msg, index): Turn => {
    const count = (seen.get(msg.role) ?? 0) + 1;
    seen.set(msg.role, count);
    const turn = {
      role: msg.role,
      content: msg.content,
      first: count === 1,
      afterSystem: messages[index - 1]?.role === "system",
      lastSystem: systemSoFar ?? lastSystemOverall ?? "",
    };
    if (msg.role === "system") systemSoFar = msg.content;
    return turn;
  });
  return { turns, lastUser: messages.findLast((x) => x.role === "user")?.content ?? "", lastSystem: lastSystemOverall ?? "" };
}

/** One renderer per role; roles a family has no section for (e.g. `tool`) render nothing. */
function perTurn(roles: Partial<Record<string, TurnRender>>, end: PromptPart[] = [], start: PromptPart[] = []): Render {
  return ({ turns }) => [...start, ...turns.flatMap((turn) => roles[turn.role]?.(turn) ?? []), ...end];
}

/** `<open>content<close>` for the given roles. */
function wrap(open: (role: string) => string, close: string, roles: string[]): Partial<Record<string, TurnRender>> {
  return Object.fromEntries(roles.map((role) => [role, (turn: Turn) => [m(open(role)), t(turn.content), m(close)]]));
}

/** The system prompt that families without a system section put before the first user turn. */
const firstUserPrefix = (turn: Turn): PromptPart[] => (turn.first && turn.lastSystem ? [t(`${turn.lastSystem} `)] : []);

/** User turns `<user>[system ]content<close>`, assistant turns `<assistant>content<close>`. */
function labelled(user: PromptPart[], assistant: PromptPart[], close: string, end: string): Render {
  return perTurn(
    {
      user: (turn) => [...user, ...firstUserPrefix(turn), t(turn.content), m(close)],
      assistant: (turn) => [...assistant, t(turn.content), m(close)],
    },
    [m(end)],
  );
}

const CHATML = perTurn(wrap((role) => `<|im_start|>${role}\n`, "<|im_end|>\n", ["system", "user", "assistant"]), [m("<|im_start|>assistant\n")]);
const TINYLLAMA_TURNS = wrap((role) => `<|${role}|>\n`, "</s>\n", ["system", "user", "assistant"]);

export const CHAT_TEMPLATES = {
  /** No markup: the system prompt before the first user turn, assistant turns padded by spaces. */
  bare: perTurn({
    user: (turn) => [...firstUserPrefix(turn), t(turn.content)],
    assistant: (turn) => [t(` ${turn.content} `)],
  }),
  inst: perTurn({
    user: (turn) => [m("[INST] "), ...firstUserPrefix(turn), t(turn.content), m(" [/INST]")],
    assistant: (turn) => [m(" "), t(turn.content), m(" ")],
  }),
  llama2: perTurn({
    system: (turn) => [m("[INST] <<SYS>>\n"), t(turn.content), m("\n<</SYS>>\n\n")],
    user: (turn) => [...(turn.afterSystem ? [] : [BOS, m("[INST] ")]), t(turn.content), m(" [/INST]")],
    assistant: (turn) => [m(" "), t(turn.content), m("</s>")],
  }),
  "mistral-instruct": perTurn({
    system: (turn) => [BOS, m("[INST] "), t(turn.content), m(" ")],
    user: (turn) => [...(turn.afterSystem ? [] : [m("[INST] ")]), t(turn.content), m(" [/INST]")],
    assistant: (turn) => [m(" "), t(turn.content), m("</s>")],
  }),
  chatml: CHATML,
  /** ChatML plus tool-call roles Outpost's inputs do not carry, so ChatML here. */
  "hermes2-pro": CHATML,
  tinyllama: perTurn(TINYLLAMA_TURNS, [m("<|assistant|>\n")]),
  zephyr: perTurn(
    { ...TINYLLAMA_TURNS, system: (turn) => [BOS, m("<|system|>\n"), t(turn.content), m("</s>\n")] },
    [m("<|assistant|>\n")],
  ),
  /** Only the first system prompt is kept. */
  llama3: perTurn(
    {
      ...wrap((role) => `<|start_header_id|>${role}<|end_header_id|>\n\n`, "<|eot_id|>", ["user", "assistant"]),
      system: (turn) => (turn.first ? [m("<|start_header_id|>system<|end_header_id|>\n\n"), t(turn.content), m("<|eot_id|>")] : []),
    },
    [m("<|start_header_id|>assistant<|end_header_id|>\n\n")],
    [m("<|begin_of_text|>")],
  ),
  /** Workers AI's gemma template has no system section: system prompts are dropped. */
  gemma: perTurn(
    { user: (turn) => [m("<start_of_turn>user\n"), t(turn.content), m("<end_of_turn>\n")], assistant: (turn) => [m("<start_of_turn>model\n"), t(turn.content), m("<end_of_turn>\n")] },
    [m("<start_of_turn>model\n")],
  ),
  openchat: labelled([m("GPT4 User: ")], [m("GPT4 Assistant: ")], "<|end_of_turn|>", "GPT4 Assistant:"),
  "openchat-alt": labelled([BOS, m("Human: ")], [m("Assistant: ")], "<|end_of_turn|>", "Assistant: "),
  starling: labelled([m("GPT4 Correct User: ")], [m("GPT4 Correct Assistant: ")], "<|end_of_turn|>", "GPT4 Correct Assistant:"),
  /**
   * Workers AI's phi-2 template drops system prompts and adds no answer cue after chat turns; a
   * plain `prompt` becomes a `question` turn (see renderPrompt).
   */
  "phi-2": perTurn({
    user: (turn) => [m("User: "), t(turn.content), m("\n")],
    assistant: (turn) => [m("Assistant:"), t(turn.content), m("\n")],
    question: (turn) => [m("Instruct: "), t(turn.content), m("\nOutput: ")],
  }),
  deepseek: perTurn(
    {
      system: (turn) => [t(turn.content), m("\n")],
      user: (turn) => [m("### Instruction:\n"), t(turn.content), m("\n")],
      assistant: (turn) => [m("### Response:\n"), t(turn.content), m("\n")],
    },
    [m("### Response:\n")],
  ),
  falcon: perTurn(
    {
      system: (turn) => [t(turn.content), m("\n")],
      user: (turn) => [m("User: "), t(turn.content), m("\n")],
      assistant: (turn) => [m("Assistant: "), t(turn.content), m("\n")],
    },
    [m("Assistant: \n")],
  ),
  "orca-hashes": perTurn(
    {
      system: (turn) => [m("### System:\n"), t(turn.content), m("\n\n")],
      user: (turn) => [m("### User:\n"), t(turn.content), m("\n\n")],
      assistant: (turn) => [m("### Assistant:\n"), t(turn.content), m("\n\n")],
    },
    [m("### Assistant:\n\n")],
  ),
  /** Not a chat: the last question and the last system prompt (the schema) fill a fixed form. */
  sqlcoder: ({ lastUser, lastSystem }) => [
    m("### Task\nGenerate a SQL query to answer [QUESTION]"),
    t(lastUser),
    m("[/QUESTION]\n\n### Database Schema\nThe query will run on a database with the following schema:\n"),
    t(lastSystem),
    m("\n\n### Answer\nGiven the database schema, here is the SQL query that [QUESTION]"),
    t(lastUser),
    m("[/QUESTION]\n[SQL]"),
  ],
} satisfies Record<string, Render>;

export type ChatTemplateName = keyof typeof CHAT_TEMPLATES;

export function isChatTemplateName(name: string): name is ChatTemplateName {
  return Object.hasOwn(CHAT_TEMPLATES, name);
}

/** Renders messages with a named template; the catalog guarantees the name exists. */
export function renderChat(template: ChatTemplateName, messages: ChatMessage[]): PromptPart[] {
  const parts = CHAT_TEMPLATES[template](conversationOf(messages));
  return parts[0]?.special && LEADING_BOS.has(parts[0].text) ? parts.slice(1) : parts;
}

/** A plain (not raw) `prompt` is one user turn, except for phi-2, where Workers AI made it a question. */
export function renderPrompt(template: ChatTemplateName, prompt: string, systemPrompt?: string): PromptPart[] {
  // phi-2 had no system turn in Workers AI: a plain prompt became a single question.
  if (template === "phi-2") return renderChat(template, [{ role: "question", content: prompt }]);
  const user = { role: "user", content: prompt };
  return renderChat(template, systemPrompt ? [{ role: "system", content: systemPrompt }, user] : [user]);
}
