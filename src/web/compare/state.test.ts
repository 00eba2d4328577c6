import assert from "node:assert/strict";
import { test } from "node:test";
import { buildInputs, DEFAULT_SETTINGS, initialState, parseSeed, reduce, type CompareState, type PaneSettings, type Turn } from "./state.js";

const settings: PaneSettings = { ...DEFAULT_SETTINGS, model: "a", maxTokens: 64 };

function turn(id: number, user: string, over: Partial<Turn> = {}): Turn {
  return { id, user, answer: "", status: "streaming", model: "a", inputs: buildInputs(settings, [], user), startedAt: 0, tokenEvents: 0, ...over };
}

test("two panes start on the first two models", () => {
  const state = initialState(["a", "b", "c"]);
  assert.deepEqual(state.panes.map((p) => p.settings.model), ["a", "b"]);
  assert.deepEqual(initialState(["only"]).panes.map((p) => p.settings.model), ["only", "only"]);
});

test("the request carries the system prompt, answered history and sampling settings", () => {
  const history = [turn(1, "first", { status: "done", answer: "one" }), turn(2, "failed", { status: "error" }), turn(3, "cut", { status: "stopped", answer: "par" })];
  const inputs = buildInputs({ ...settings, system: "Be brief.", seed: "42", temperature: 0 }, history, "next");
  assert.deepEqual(inputs, {
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "first" },
      { role: "assistant", content: "one" },
      { role: "user", content: "cut" },
      { role: "assistant", content: "par" },
      { role: "user", content: "next" },
    ],
    stream: true,
    temperature: 0,
    max_tokens: 64,
    seed: 42,
  });
  assert.deepEqual(buildInputs({ ...settings, system: "  " }, [], "hi").messages, [{ role: "user", content: "hi" }]);
});

test("a seed is a whole number from 1; anything else sends none", () => {
  assert.equal(parseSeed(" 7 "), 7);
  for (const text of ["", "0", "-3", "1.5", "x"]) assert.equal(parseSeed(text), undefined, text);
});

test("tokens stream into the turn; usage and done finish it; later events are ignored", () => {
  let state: CompareState = initialState(["a", "b"]);
  state = reduce(state, { type: "start", pane: 1, turn: turn(1, "hi", { startedAt: 100 }) });
  state = reduce(state, { type: "event", pane: 1, turn: 1, event: { type: "token", text: "Once" }, at: 130 });
  state = reduce(state, { type: "event", pane: 1, turn: 1, event: { type: "token", text: " upon" }, at: 140 });
  state = reduce(state, { type: "event", pane: 1, turn: 1, event: { type: "usage", usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } }, at: 150 });
  state = reduce(state, { type: "event", pane: 1, turn: 1, event: { type: "done" }, at: 150 });
  state = reduce(state, { type: "end", pane: 1, turn: 1, status: "stopped", at: 200 });
  const done = state.panes[0]?.turns[0];
  assert.deepEqual({ answer: done?.answer, status: done?.status, firstTokenAt: done?.firstTokenAt, endedAt: done?.endedAt, tokens: done?.completionTokens }, { answer: "Once upon", status: "done", firstTokenAt: 130, endedAt: 150, tokens: 2 });
  assert.deepEqual(state.panes[1]?.turns, [], "the other pane is untouched");
});

test("a stop ends only a streaming turn and keeps what arrived", () => {
  let state = reduce(initialState(["a"]), { type: "start", pane: 2, turn: turn(1, "hi") });
  state = reduce(state, { type: "event", pane: 2, turn: 1, event: { type: "token", text: "x" }, at: 5 });
  state = reduce(state, { type: "clear", pane: 2 });
  assert.equal(state.panes[1]?.turns.length, 1, "a streaming pane is not cleared");
  state = reduce(state, { type: "end", pane: 2, turn: 1, status: "stopped", at: 9 });
  assert.deepEqual({ status: state.panes[1]?.turns[0]?.status, answer: state.panes[1]?.turns[0]?.answer }, { status: "stopped", answer: "x" });
  state = reduce(state, { type: "clear", pane: 2 });
  assert.deepEqual(state.panes[1]?.turns, []);
});

test("panes are added up to the maximum and never removed below one", () => {
  let state = initialState(["a"]);
  for (let i = 0; i < 5; i++) state = reduce(state, { type: "add-pane", model: "z" });
  assert.deepEqual(state.panes.map((p) => p.id), [1, 2, 3, 4]);
  for (const id of [1, 2, 3, 4]) state = reduce(state, { type: "remove-pane", pane: id });
  assert.deepEqual(state.panes.map((p) => p.id), [4]);
  state = reduce(state, { type: "settings", pane: 4, settings: { model: "b", maxTokens: 9 } });
  assert.deepEqual(state.panes[0]?.settings, { ...DEFAULT_SETTINGS, model: "b", maxTokens: 9 });
});

test("JSON mode and tools go out as response_format and tools; text that is not JSON is sent as typed", () => {
  const inputs = buildInputs({ ...settings, jsonMode: true, schema: '{"type":"object"}', tools: '[{"name":"f"}]', toolChoice: "required" }, [], "hi");
  assert.deepEqual(inputs.response_format, { type: "json_schema", json_schema: { type: "object" } });
  assert.deepEqual(inputs.tools, [{ name: "f" }]);
  assert.equal(inputs.tool_choice, "required");
  assert.equal(buildInputs({ ...settings, jsonMode: true, schema: "{oops" }, [], "hi").response_format?.json_schema, "{oops");
  assert.equal(buildInputs(settings, [], "hi").tools, undefined);
});

test("streamed tool calls land on the turn", () => {
  const calls = [{ id: "call_1", function: { name: "f", arguments: "{}" } }];
  const state: CompareState = { panes: [{ id: 1, settings, turns: [turn(1, "q")] }], nextId: 2 };
  const next = reduce(state, { type: "event", pane: 1, turn: 1, event: { type: "tool_calls", calls }, at: 5 });
  assert.deepEqual(next.panes[0]?.turns[0]?.toolCalls, calls);
});

test("a replacing start swaps the last turn for the new one; reset starts afresh unless a pane streams", () => {
  let state: CompareState = { panes: [{ id: 1, settings, turns: [turn(1, "a", { status: "done" }), turn(2, "b", { status: "done" })] }], nextId: 2 };
  state = reduce(state, { type: "start", pane: 1, turn: turn(3, "b again"), replacing: 1 });
  assert.deepEqual(state.panes[0]?.turns.map((t) => t.id), [1, 2, 3], "only the last turn is replaced");
  state = reduce(state, { type: "start", pane: 1, turn: turn(4, "c"), replacing: 3 });
  assert.deepEqual(state.panes[0]?.turns.map((t) => t.id), [1, 2, 3], "a streaming pane starts nothing");
  state = reduce(state, { type: "end", pane: 1, turn: 3, status: "stopped", at: 1 });
  state = reduce(state, { type: "start", pane: 1, turn: turn(4, "c"), replacing: 3 });
  assert.deepEqual(state.panes[0]?.turns.map((t) => [t.id, t.user]), [[1, "a"], [2, "b"], [4, "c"]]);
  assert.deepEqual(reduce(state, { type: "reset", models: ["m"] }), state, "not while streaming");
  state = reduce(state, { type: "end", pane: 1, turn: 4, status: "done", at: 2 });
  assert.deepEqual(reduce(state, { type: "reset", models: ["m", "n"] }), initialState(["m", "n"]));
});
