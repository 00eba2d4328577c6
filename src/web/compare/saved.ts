import type { GenerationInputs } from "../api.js";
import { DEFAULT_SETTINGS, MAX_PANES, type CompareState, type Pane, type PaneSettings, type Turn, type TurnStatus } from "./state.js";

/**
 * Where the comparison survives a reload. The version is in the key: a later shape gets a new
 * key, and what an older dashboard wrote is then ignored, not misread.
 */
export const SAVED_KEY = "outpost:compare:v1";

/** The page as it is saved: panes with their settings and conversations, and the unsent message. */
export interface Saved {
  state: CompareState;
  prompt: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;
const optional = (v: unknown, type: "number" | "string") => v === undefined || typeof v === type;
const STATUSES: readonly TurnStatus[] = ["streaming", "done", "stopped", "error"];

/** Settings as saved, each field checked against the default's type; a bad or missing one takes the default. */
function settingsOf(value: unknown): PaneSettings | undefined {
  if (!isObject(value) || typeof value.model !== "string") return undefined;
  const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS, model: value.model };
  for (const [key, fallback] of Object.entries(DEFAULT_SETTINGS)) {
    if (typeof value[key] === typeof fallback) settings[key] = value[key];
  }
  if (settings.toolChoice !== "auto" && settings.toolChoice !== "required") settings.toolChoice = DEFAULT_SETTINGS.toolChoice;
  return settings as unknown as PaneSettings;
}

/** A saved turn; one saved mid-stream has no stream any more and comes back stopped. */
function turnOf(value: unknown): Turn | undefined {
  if (!isObject(value) || !isId(value.id) || typeof value.user !== "string" || typeof value.answer !== "string" || typeof value.model !== "string") return undefined;
  if (!STATUSES.includes(value.status as TurnStatus) || typeof value.startedAt !== "number" || typeof value.tokenEvents !== "number") return undefined;
  if (!optional(value.error, "string") || !optional(value.firstTokenAt, "number") || !optional(value.endedAt, "number") || !optional(value.completionTokens, "number")) return undefined;
  if (!isObject(value.inputs) || !Array.isArray(value.inputs.messages)) return undefined;
  if (value.toolCalls !== undefined && !Array.isArray(value.toolCalls)) return undefined;
  const turn = { ...value, inputs: value.inputs as unknown as GenerationInputs } as unknown as Turn;
  // Performance.now() starts again at a reload; only differences between a turn's own times mean anything.
  return turn.status === "streaming" ? { ...turn, status: "stopped", endedAt: turn.firstTokenAt ?? turn.startedAt } : turn;
}

function paneOf(value: unknown): Pane | undefined {
  if (!isObject(value) || !isId(value.id) || !Array.isArray(value.turns)) return undefined;
  const settings = settingsOf(value.settings);
  const turns = value.turns.map(turnOf);
  if (!settings || turns.some((t) => t === undefined)) return undefined;
  return { id: value.id, settings, turns: turns as Turn[] };
}

/** What `text` (the stored JSON) holds, or undefined when it is missing or not a saved page: corrupt data is ignored. */
export function restore(text: string | null): Saved | undefined {
  if (text === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value) || typeof value.prompt !== "string" || !isObject(value.state)) return undefined;
  const { panes: saved, nextId } = value.state;
  if (!Array.isArray(saved) || saved.length < 1 || saved.length > MAX_PANES || !isId(nextId)) return undefined;
  const panes = saved.map(paneOf);
  if (panes.some((p) => p === undefined)) return undefined;
  const ids = (panes as Pane[]).map((p) => p.id);
  if (new Set(ids).size !== ids.length || ids.some((id) => id >= nextId)) return undefined;
  return { state: { panes: panes as Pane[], nextId }, prompt: value.prompt };
}

/** Reads the saved page; a storage that cannot be read (disabled, denied) counts as empty. */
export function loadSaved(storage: Pick<Storage, "getItem">): Saved | undefined {
  try {
    return restore(storage.getItem(SAVED_KEY));
  } catch {
    return undefined;
  }
}

/** Saves the page; a full or disabled storage only means the next reload starts afresh. */
export function save(storage: Pick<Storage, "setItem">, saved: Saved): void {
  try {
    storage.setItem(SAVED_KEY, JSON.stringify(saved));
  } catch {
    // Nothing to do: saving is a convenience, and the page works the same without it.
  }
}

/** The id after every turn's, so new turns never reuse a restored one's. */
export function nextTurnId(state: CompareState): number {
  return Math.max(0, ...state.panes.flatMap((p) => p.turns.map((t) => t.id))) + 1;
}
