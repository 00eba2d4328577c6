import assert from "node:assert/strict";
import { test } from "node:test";
import { OutpostError } from "../contract/index.js";
import { DEFAULT_BODY_LIMITS, type BodyLimits } from "../tasks/index.js";
import { JsonShape } from "./json-shape.js";

const limits = (overrides: Partial<BodyLimits>): BodyLimits => ({ ...DEFAULT_BODY_LIMITS, ...overrides });

/** Feeds `text` in chunks of `chunk` bytes; returns the error thrown, if any. */
function scan(text: string, overrides: Partial<BodyLimits>, chunk = 7): OutpostError | undefined {
  const shape = new JsonShape(limits(overrides));
  const bytes = new TextEncoder().encode(text);
  try {
    for (let i = 0; i < bytes.length; i += chunk) shape.feed(bytes.subarray(i, i + chunk));
  } catch (error) {
    assert.ok(error instanceof OutpostError, String(error));
    return error;
  }
  return undefined;
}

test("bodies within every ceiling pass, whatever the chunking", () => {
  const content = "héllo 🐱 \"quoted\" \\ \u0001";
  const body = JSON.stringify({ messages: [{ role: "user", content }, { role: "assistant", content: [{ type: "text", text: "x" }] }], max_tokens: 5, stream: true, n: null });
  // 24 values (keys included), 5 levels, 4 members at most, the longest string as JavaScript counts it.
  for (const chunk of [1, 2, 3, 1000]) assert.equal(scan(body, { maxDepth: 5, maxValues: 24, maxItems: 4, maxStringChars: content.length }, chunk), undefined);
  assert.ok(scan(body, { maxStringChars: content.length - 1 }));
  assert.ok(scan(body, { maxValues: 23 }));
  assert.ok(scan(body, { maxDepth: 4 }));
  assert.ok(scan(body, { maxItems: 3 }));
});

test("nesting deeper than maxDepth is 413, naming the limit", () => {
  assert.equal(scan("[[[1]]]", { maxDepth: 3 }), undefined);
  const error = scan("[[[[1]]]]", { maxDepth: 3 });
  assert.equal(error?.code, "INPUT_TOO_LARGE");
  assert.equal(error?.message, "Request is too large: it is nested deeper than 3 levels");
});

test("more values than maxValues is 413; keys count", () => {
  assert.equal(scan(`[${"{},".repeat(9)}{}]`, { maxValues: 11 }), undefined);
  assert.equal(scan(`[${"{},".repeat(10)}{}]`, { maxValues: 11 })?.message, "Request is too large: it has more than 11 JSON values");
  assert.equal(scan('{"a":1,"b":2}', { maxValues: 4 })?.message, "Request is too large: it has more than 4 JSON values");
  assert.equal(scan('[1, 22, 333, true, null, "s"]', { maxValues: 7 }), undefined, "a multi-byte scalar is one value");
});

test("an array or object over maxItems is 400, naming where it is", () => {
  const text = (n: number) => JSON.stringify({ text: Array.from({ length: n }, (_, i) => `t${i}`) });
  assert.equal(scan(text(100), { maxItems: 100 }), undefined);
  const error = scan(text(101), { maxItems: 100 });
  assert.equal(error?.code, "INPUT_INVALID");
  assert.equal(error?.message, "Invalid input at '/text': at most 100 items are allowed");
  assert.equal(scan(JSON.stringify({ inputs: { messages: [{ content: [1, 2, 3] }] } }), { maxItems: 2 })?.message, "Invalid input at '/inputs/messages/0/content': at most 2 items are allowed");
  const wire = new JsonShape(limits({ maxItems: 1 }), "/inputs");
  assert.throws(() => wire.feed(new TextEncoder().encode('{"inputs":{"text":["a","b"]}}')), { message: "Invalid input at '/text': at most 1 items are allowed" });
  assert.equal(scan("[1,2,3]", { maxItems: 2 })?.message, "Invalid input at '/': at most 2 items are allowed");
  assert.equal(scan('{"a":1,"b":2,"c":3}', { maxItems: 2 })?.message, "Invalid input at '/': at most 2 items are allowed");
});

test("strings are measured in UTF-16 code units, escapes included, and refused with 413 and their path", () => {
  // 4 characters each way: plain ASCII, 2-byte UTF-8, one astral (2 units) + 2, escapes.
  for (const s of ['"abcd"', '"éééé"', '"🐱ab"', '"\\n\\u00e9\\"\\\\"', '"\\ud83d\\udc31ab"']) {
    assert.equal(scan(`{"p":${s}}`, { maxStringChars: 4 }, 1), undefined, s);
    const longer = s.replace(/"$/, 'x"');
    assert.equal(scan(`{"p":${longer}}`, { maxStringChars: 4 }, 1)?.message, "Request is too large: the string at '/p' is longer than 4 characters", longer);
  }
  assert.equal(scan(JSON.stringify({ messages: [{ role: "user", content: "x".repeat(11) }] }), { maxStringChars: 10 })?.message, "Request is too large: the string at '/messages/0/content' is longer than 10 characters");
});

test("structure inside strings is not structure", () => {
  assert.equal(scan(JSON.stringify({ prompt: "[[[[{{{{,,,,::::" }), { maxDepth: 1, maxValues: 3, maxItems: 1 }), undefined);
});

test("malformed input is scanned without failing on its own; its counts stay bounded", () => {
  assert.equal(scan("]]]}}}{", { maxDepth: 2 }), undefined);
  assert.equal(scan('{"a" "b" 1 2 3', { maxValues: 10 }), undefined);
});
