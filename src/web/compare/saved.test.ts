import assert from "node:assert/strict";
import { test } from "node:test";
import { SAVED_KEY, loadSaved, nextTurnId, restore, save, type Saved } from "./saved.js";
import { DEFAULT_SETTINGS, buildInputs, initialState, type Turn } from "./state.js";

const settings = { ...DEFAULT_SETTINGS, model: "a", temperature: 0, seed: "7" };
const turn = (id: number, over: Partial<Turn> = {}): Turn => ({
  id,
  user: "hi",
  answer: "Once",
  status: "done",
  model: "a",
  inputs: buildInputs(settings, [], "hi"),
  startedAt: 10,
  firstTokenAt: 30,
  endedAt: 90,
  tokenEvents: 4,
  completionTokens: 4,
  ...over,
});
const saved: Saved = { state: { panes: [{ id: 1, settings, turns: [turn(1), turn(3)] }, { id: 4, settings: { ...settings, model: "b" }, turns: [] }], nextId: 5 }, prompt: "draft" };

/** A Storage-like map. */
function memory(): Storage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), removeItem: (k: string) => void data.delete(k), clear: () => data.clear(), key: () => null, length: 0 } as Storage & { data: Map<string, string> };
}

test("a saved page comes back as it was, under the versioned key", () => {
  const storage = memory();
  save(storage, saved);
  assert.deepEqual([...storage.data.keys()], [SAVED_KEY]);
  assert.deepEqual(loadSaved(storage), saved);
  assert.equal(nextTurnId(saved.state), 4);
  assert.equal(nextTurnId(initialState(["a"])), 1);
});

test("corrupt or foreign data is ignored, not fatal", () => {
  const broken = [
    null,
    "",
    "{not json",
    "null",
    "[]",
    '"text"',
    JSON.stringify({ prompt: "x" }),
    JSON.stringify({ ...saved, prompt: 5 }),
    JSON.stringify({ ...saved, state: { panes: [], nextId: 1 } }),
    JSON.stringify({ ...saved, state: { ...saved.state, panes: "x" } }),
    JSON.stringify({ ...saved, state: { ...saved.state, nextId: 2 } }),
    JSON.stringify({ ...saved, state: { panes: Array.from({ length: 5 }, (_, i) => ({ id: i + 1, settings, turns: [] })), nextId: 9 } }),
    JSON.stringify({ ...saved, state: { panes: [saved.state.panes[0], saved.state.panes[0]], nextId: 5 } }),
    JSON.stringify({ ...saved, state: { panes: [{ id: 1, settings: { system: "x" }, turns: [] }], nextId: 2 } }),
    JSON.stringify({ ...saved, state: { panes: [{ id: 1, settings, turns: [{ ...turn(1), status: "thinking" }] }], nextId: 2 } }),
    JSON.stringify({ ...saved, state: { panes: [{ id: 1, settings, turns: [{ ...turn(1), answer: null }] }], nextId: 2 } }),
    JSON.stringify({ ...saved, state: { panes: [{ id: 1, settings, turns: [{ ...turn(1), inputs: "x" }] }], nextId: 2 } }),
  ];
  for (const text of broken) assert.equal(restore(text), undefined, String(text));
  const throwing = { getItem: () => { throw new Error("SecurityError"); } };
  assert.equal(loadSaved(throwing), undefined);
  assert.doesNotThrow(() => save({ setItem: () => { throw new Error("QuotaExceededError"); } }, saved));
});

test("a bad setting takes its default; a turn saved mid-stream comes back stopped", () => {
  const text = JSON.stringify({ ...saved, state: { panes: [{ id: 1, settings: { ...settings, temperature: "hot", toolChoice: "sometimes", extra: 1 }, turns: [turn(2, { status: "streaming", endedAt: undefined })] }], nextId: 2 } });
  const pane = restore(text)?.state.panes[0];
  assert.deepEqual(pane?.settings, { ...settings, temperature: DEFAULT_SETTINGS.temperature, toolChoice: "auto" });
  assert.deepEqual({ status: pane?.turns[0]?.status, endedAt: pane?.turns[0]?.endedAt }, { status: "stopped", endedAt: 30 });
});
