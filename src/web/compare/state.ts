import type { ChatMessage, GenerationEvent, GenerationInputs, ToolCall } from "../api.js";

/** What a pane sends with every message. `seed` is the field's text: empty means no seed. */
export interface PaneSettings {
  model: string;
  system: string;
  temperature: number;
  maxTokens: number;
  seed: string;
  /** JSON mode on, with `schema` (text) as the answer's JSON Schema. */
  jsonMode: boolean;
  schema: string;
  /** Tools as JSON text (empty: none), and whether a call is forced. */
  tools: string;
  toolChoice: "auto" | "required";
}

export type TurnStatus = "streaming" | "done" | "stopped" | "error";

/** One user message and the pane's answer to it. Times are performance.now() ms. */
export interface Turn {
  id: number;
  user: string;
  answer: string;
  status: TurnStatus;
  error?: string;
  model: string;
  /** The exact request body, for "copy as code". */
  inputs: GenerationInputs;
  startedAt: number;
  firstTokenAt?: number;
  endedAt?: number;
  /** Token events received. */
  tokenEvents: number;
  /** The server's count, from the final usage event. */
  completionTokens?: number;
  toolCalls?: ToolCall[];
}

export interface Pane {
  id: number;
  settings: PaneSettings;
  turns: Turn[];
}

export interface CompareState {
  panes: Pane[];
  nextId: number;
}

export type CompareAction =
  | { type: "add-pane"; model: string }
  | { type: "remove-pane"; pane: number }
  | { type: "settings"; pane: number; settings: Partial<PaneSettings> }
  /** A new turn; with `replacing`, it takes the place of the pane's last turn (regenerate, edit and resend). */
  | { type: "start"; pane: number; turn: Turn; replacing?: number }
  | { type: "event"; pane: number; turn: number; event: GenerationEvent; at: number }
  | { type: "end"; pane: number; turn: number; status: Exclude<TurnStatus, "streaming">; error?: string; at: number }
  | { type: "clear"; pane: number }
  /** Back to a fresh page: two panes on `models`, no conversations. */
  | { type: "reset"; models: string[] };

export const MAX_PANES = 4;
export const EXAMPLE_SCHEMA = JSON.stringify({ type: "object", properties: { name: { type: "string", maxLength: 20 }, age: { type: "integer" } }, required: ["name", "age"] }, null, 2);
export const DEFAULT_SETTINGS: Omit<PaneSettings, "model"> = { system: "", temperature: 0.6, maxTokens: 256, seed: "", jsonMode: false, schema: EXAMPLE_SCHEMA, tools: "", toolChoice: "auto" };

/** Parsed JSON, or the text itself: the server's 400 then names what is wrong with it. */
function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function initialState(models: string[]): CompareState {
  const panes = [0, 1].map((i) => ({ id: i + 1, settings: { ...DEFAULT_SETTINGS, model: models[i] ?? models[0] ?? "" }, turns: [] }));
  return { panes, nextId: 3 };
}

/**
 * The request a pane sends for `user`: its system prompt, then its earlier turns that got an
 * answer (stopped ones with the part that arrived), then the new message.
 */
export function buildInputs(settings: PaneSettings, history: readonly Turn[], user: string): GenerationInputs {
  const messages: ChatMessage[] = settings.system.trim() ? [{ role: "system", content: settings.system }] : [];
  for (const turn of history) {
    if (turn.status === "error" || turn.status === "streaming" || !turn.answer) continue;
    messages.push({ role: "user", content: turn.user }, { role: "assistant", content: turn.answer });
  }
  messages.push({ role: "user", content: user });
  const seed = parseSeed(settings.seed);
  return {
    messages,
    stream: true,
    temperature: settings.temperature,
    max_tokens: settings.maxTokens,
    ...(seed === undefined ? {} : { seed }),
    ...(settings.jsonMode ? { response_format: { type: "json_schema", json_schema: jsonOrText(settings.schema) } } : {}),
    ...(settings.tools.trim() ? { tools: jsonOrText(settings.tools), tool_choice: settings.toolChoice } : {}),
  };
}

/** A seed field's value: a whole number from 1 (as Workers AI accepts), or undefined. */
export function parseSeed(text: string): number | undefined {
  const seed = Number(text.trim());
  return text.trim() !== "" && Number.isInteger(seed) && seed >= 1 ? seed : undefined;
}

export function isStreaming(pane: Pane): boolean {
  return pane.turns.at(-1)?.status === "streaming";
}

function updateTurn(pane: Pane, id: number, update: (turn: Turn) => Turn): Pane {
  return { ...pane, turns: pane.turns.map((t) => (t.id === id ? update(t) : t)) };
}

function applyEvent(turn: Turn, event: GenerationEvent, at: number): Turn {
  if (turn.status !== "streaming") return turn;
  switch (event.type) {
    case "token":
      return { ...turn, answer: turn.answer + event.text, tokenEvents: turn.tokenEvents + 1, firstTokenAt: turn.firstTokenAt ?? at };
    case "usage":
      return { ...turn, completionTokens: event.usage.completion_tokens };
    case "tool_calls":
      return { ...turn, toolCalls: [...(turn.toolCalls ?? []), ...event.calls] };
    case "done":
      return { ...turn, status: "done", endedAt: at };
    case "error":
      return { ...turn, status: "error", error: event.message, endedAt: at };
  }
}

export function reduce(state: CompareState, action: CompareAction): CompareState {
  const onPane = (id: number, update: (pane: Pane) => Pane): CompareState => ({ ...state, panes: state.panes.map((p) => (p.id === id ? update(p) : p)) });
  switch (action.type) {
    case "add-pane":
      if (state.panes.length >= MAX_PANES) return state;
      return { panes: [...state.panes, { id: state.nextId, settings: { ...DEFAULT_SETTINGS, model: action.model }, turns: [] }], nextId: state.nextId + 1 };
    case "remove-pane":
      if (state.panes.length <= 1) return state;
      return { ...state, panes: state.panes.filter((p) => p.id !== action.pane) };
    case "settings":
      return onPane(action.pane, (p) => ({ ...p, settings: { ...p.settings, ...action.settings } }));
    case "start":
      return onPane(action.pane, (p) => {
        if (isStreaming(p)) return p;
        const kept = action.replacing !== undefined && p.turns.at(-1)?.id === action.replacing ? p.turns.slice(0, -1) : p.turns;
        return { ...p, turns: [...kept, action.turn] };
      });
    case "event":
      return onPane(action.pane, (p) => updateTurn(p, action.turn, (t) => applyEvent(t, action.event, action.at)));
    case "end":
      return onPane(action.pane, (p) =>
        updateTurn(p, action.turn, (t) => (t.status === "streaming" ? { ...t, status: action.status, endedAt: action.at, ...(action.error ? { error: action.error } : {}) } : t)),
      );
    case "clear":
      return onPane(action.pane, (p) => (isStreaming(p) ? p : { ...p, turns: [] }));
    case "reset":
      return state.panes.some(isStreaming) ? state : initialState(action.models);
  }
}
