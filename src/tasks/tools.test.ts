import assert from "node:assert/strict";
import { test } from "node:test";
import { OutpostError, type RunEvent } from "../contract/index.js";
import { structureEvents } from "./structured-output.js";
import { toolTurns } from "./tool-messages.js";
import { formatToolCalls, parseToolCalls, planTools, toolConstraint } from "./tools.js";

const weather = { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };
const openAi = (fn: object) => ({ type: "function", function: fn });
const refused = (run: () => unknown, message: RegExp) =>
  assert.throws(run, (error: unknown) => error instanceof OutpostError && error.code === "INPUT_INVALID" && message.test(error.message));

test("bad tools and tool choices are refused, naming the problem", () => {
  refused(() => planTools([{ description: "x" }], undefined, undefined, "bare"), /^Invalid input at '\/tools\/0\/name': a tool needs a name/);
  refused(() => planTools([openAi({ parameters: {} })], undefined, undefined, "bare"), /'\/tools\/0\/function\/name': a tool needs a name/);
  refused(() => planTools([weather, openAi(weather)], undefined, undefined, "bare"), /'\/tools\/1': duplicate tool name 'get_weather'/);
  refused(() => planTools([weather], { type: "function", function: { name: "nope" } }, undefined, "bare"), /'\/tool_choice\/function\/name': no tool is named 'nope'/);
  refused(() => planTools(undefined, "required", undefined, "bare"), /tool_choice needs tools/);
  refused(() => planTools([{ name: "x", parameters: { type: "object", properties: { n: { type: "number", maximum: 3 } } } }], undefined, undefined, "bare"), /parameters\/properties\/n': the JSON Schema keyword 'maximum'/);
  refused(() => toolTurns([{ role: "tool", content: "sunny" }]), /'\/messages\/0\/tool_call_id': a role "tool" message needs the tool_call_id/);
});

test("required and named choices force a call; auto constrains only after the family's trigger", () => {
  const forced = planTools([weather, { name: "other" }], "required", false, "bare")!;
  assert.equal(toolConstraint(forced)?.trigger, undefined);
  assert.equal((toolConstraint(forced)?.schema.oneOf as unknown[]).length, 2);
  const named = planTools([weather, { name: "other" }], { type: "function", function: { name: "other" } }, true, "bare")!;
  assert.deepEqual(toolConstraint(named)?.schema, { type: "object", properties: { name: { const: "other" }, arguments: { type: "object", properties: {}, additionalProperties: true } } });
  assert.equal(toolConstraint(planTools([weather], "required", true, "bare")!)?.schema.maxItems, 4);
  assert.equal(toolConstraint(planTools([weather], "auto", undefined, "chatml")!)?.trigger, "<tool_call>");
  assert.equal(toolConstraint(planTools([weather], "auto", undefined, "mistral-instruct")!)?.trigger, "[TOOL_CALLS]");
  assert.equal(toolConstraint(planTools([weather], "auto", undefined, "llama3")!), undefined);
  assert.equal(planTools([weather], "none", undefined, "bare"), undefined);
});

test("calls are parsed, validated against the tool's schema and shaped per input form", () => {
  const plan = planTools([weather], "auto", undefined, "bare")!;
  const { content, calls } = parseToolCalls(plan, 'Let me check. <tool_call>{"name": "get_weather", "arguments": {"city": "Oslo"}}');
  assert.equal(content, "Let me check.");
  assert.match(calls[0]!.id, /^call_[0-9a-f]{24}$/);
  assert.deepEqual(formatToolCalls("legacy", calls), [{ id: calls[0]!.id, name: "get_weather", arguments: { city: "Oslo" } }]);
  assert.deepEqual(formatToolCalls("openai", calls), [{ id: calls[0]!.id, type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }]);
  assert.throws(() => parseToolCalls(plan, '<tool_call>{"name": "get_weather", "arguments": {}}'), /do not validate: \/ must have required property 'city'/);
  const llama3 = planTools([weather], "auto", undefined, "llama3")!;
  assert.deepEqual(parseToolCalls(llama3, '{"name": "get_weather", "parameters": {"city": "Rome"}}').calls.map((c) => c.arguments), [{ city: "Rome" }]);
  assert.deepEqual(parseToolCalls(llama3, "It is sunny."), { content: "It is sunny.", calls: [] });
});

test("earlier calls and their results are written into turns every template renders", () => {
  const turns = toolTurns([
    { role: "assistant", content: "", tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }] },
    { role: "tool", content: "sunny", tool_call_id: "call_1" },
  ]);
  assert.deepEqual(turns, [
    { role: "assistant", content: '<tool_call>{"name":"get_weather","arguments":{"city":"Oslo"}}</tool_call>' },
    { role: "user", content: "Result of tool call call_1: sunny" },
  ]);
});

async function collect(events: RunEvent[], plan: Parameters<typeof structureEvents>[1]): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  async function* source() {
    yield* events;
  }
  for await (const event of structureEvents(source(), plan)) out.push(event);
  return out;
}

test("streams: text before the trigger flows, call JSON follows as call text and rides parsed on done, cut-off JSON is marked incomplete", async () => {
  const usage = { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 };
  const tools = { kind: "tools" as const, tools: planTools([weather], "auto", undefined, "bare")! };
  const tokens = (...texts: string[]): RunEvent[] => texts.map((text) => ({ type: "token", text }));
  const out = await collect([...tokens("Hi <tool", '_call>{"name": "get_weather", ', '"arguments": {"city": "Oslo"}}'), { type: "done", usage, finishReason: "stop" }], tools);
  assert.deepEqual(out.filter((e) => e.type === "token"), tokens("Hi "));
  const callText = out.flatMap((e) => (e.type === "call_text" ? [e.text] : []));
  assert.deepEqual(callText, ['{"name": "get_weather", ', '"arguments": {"city": "Oslo"}}']);
  const done = out.at(-1) as Extract<RunEvent, { type: "done" }>;
  assert.equal(done.finishReason, "tool_calls");
  assert.deepEqual(done.toolCalls?.map((c) => c.arguments), [{ city: "Oslo" }]);
  const plain = await collect([...tokens("Hi <to", "ast>"), { type: "done", usage, finishReason: "stop" }], tools);
  assert.equal(plain.filter((e) => e.type === "token").map((e) => (e as { text: string }).text).join(""), "Hi <toast>");
  const json = { kind: "json" as const, validate: () => undefined };
  const cut = await collect([...tokens('{"a": "b'), { type: "done", usage, finishReason: "length" }], json);
  assert.match((cut.at(-1) as { incomplete?: string }).incomplete ?? "", /The JSON is incomplete: max_tokens was reached inside the JSON value/);
});
