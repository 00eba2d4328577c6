import assert from "node:assert/strict";
import { test } from "node:test";
import { CallScanner, type CallDelta } from "./tool-stream.js";

/** Feeds `text` in pieces of `size` characters and folds the deltas into whole calls. */
function scan(text: string, size: number): { calls: { name: string; arguments: string }[]; deltas: CallDelta[] } {
  const scanner = new CallScanner();
  const deltas: CallDelta[] = [];
  for (let i = 0; i < text.length; i += size) deltas.push(...scanner.feed(text.slice(i, i + size)));
  const calls: { name: string; arguments: string }[] = [];
  for (const delta of deltas) {
    if ("name" in delta) calls[delta.index] = { name: delta.name, arguments: "" };
    else (calls[delta.index] as { arguments: string }).arguments += delta.arguments;
  }
  return { calls, deltas };
}

const ONE = '{"name": "get_weather", "arguments": {"city": "Lis{b}on \\"old\\" ]town", "days": [1, {"x": 2}]}}';
const TWO = '[{"name":"a","arguments":{}} , {"name":"b\\u0021","arguments":{"q":"}"}}]';

test("one call: the name, then the arguments' text exactly, in any piece size", () => {
  for (const size of [1, 2, 7, 1_000]) {
    const { calls } = scan(ONE, size);
    assert.deepEqual(calls, [{ name: "get_weather", arguments: '{"city": "Lis{b}on \\"old\\" ]town", "days": [1, {"x": 2}]}' }], `size ${size}`);
    assert.deepEqual(JSON.parse(calls[0]!.arguments), JSON.parse(ONE).arguments);
  }
});

test("a list of calls: each with its index; escapes in names are decoded", () => {
  for (const size of [1, 3, 1_000]) {
    assert.deepEqual(scan(TWO, size).calls, [
      { name: "a", arguments: "{}" },
      { name: "b!", arguments: '{"q":"}"}' },
    ]);
  }
});

test("the name comes before any argument text, and arguments arrive as they are generated", () => {
  const { deltas } = scan(ONE, 4);
  assert.ok("name" in deltas[0]!);
  assert.ok(deltas.filter((d) => "arguments" in d).length > 5, "streamed in pieces, not at the end");
});

test("llama 3's key is parameters", () => {
  assert.deepEqual(scan('{"name":"f","parameters":{"n":1}}', 5).calls, [{ name: "f", arguments: '{"n":1}' }]);
});
