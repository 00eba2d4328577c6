import assert from "node:assert/strict";
import { test } from "node:test";
import { OutpostError } from "../contract/index.js";
import { toGrammarSchema } from "./json-schema.js";
import { compileValidator } from "./json-validator.js";

const refused = (schema: unknown, message: RegExp) =>
  assert.throws(
    () => toGrammarSchema(schema, "/s"),
    (error: unknown) => error instanceof OutpostError && error.code === "INPUT_INVALID" && message.test(error.message),
  );

test("supported schemas reduce to the grammar's subset, refs inlined and unions as oneOf", () => {
  const reduced = toGrammarSchema(
    {
      $schema: "http://json-schema.org/draft-07/schema#",
      title: "Person",
      type: "object",
      properties: { name: { type: "string", maxLength: 8 }, pet: { $ref: "#/definitions/pet" }, tags: { type: ["string", "null"] } },
      required: ["name"],
      additionalProperties: false,
      definitions: { pet: { anyOf: [{ const: "cat" }, { enum: ["dog", 3] }] } },
    },
    "/s",
  );
  assert.deepEqual(reduced, {
    type: "object",
    properties: {
      name: { type: "string", maxLength: 8 },
      pet: { oneOf: [{ const: "cat" }, { enum: ["dog", 3] }] },
      tags: { oneOf: [{ type: "string" }, { type: "null" }] },
    },
  });
});

test("numeric bounds the grammar already meets, like zod's safe-integer ones, are accepted", () => {
  const safe = { type: "integer", minimum: -9007199254740991, maximum: 9007199254740991 };
  assert.deepEqual(toGrammarSchema(safe, "/s"), { type: "integer" });
  refused({ type: "number", exclusiveMinimum: 0 }, /'exclusiveMinimum' is not supported with a bound inside/);
});

test("a keyword the grammar cannot enforce is refused by name and path, never ignored", () => {
  refused({ type: "object", properties: { age: { type: "integer", minimum: 0 } } }, /^Invalid input at '\/s\/properties\/age': the JSON Schema keyword 'minimum' is not supported/);
  refused({ type: "string", pattern: "^a" }, /'pattern' is not supported/);
  refused({ allOf: [{ type: "string" }] }, /'allOf' is not supported/);
  refused({ type: "string", format: "email" }, /string format "email" is not supported/);
  refused({ type: "array", uniqueItems: true }, /'uniqueItems' is not supported/);
  refused({ type: "string", properties: {} }, /'properties' does not apply to type 'string'/);
});

test("invalid, recursive and oversized schemas are refused", () => {
  refused("nope", /expected a JSON Schema object/);
  refused({ type: "strin" }, /unknown type "strin"/);
  refused({ type: "object", properties: { a: { type: "string" } }, required: ["b"] }, /required property 'b' is not in 'properties'/);
  refused({ type: "object", properties: { child: { $ref: "#" } } }, /recursive \$ref '#' is not supported/);
  refused({ $defs: { node: { type: "object", properties: { next: { $ref: "#/$defs/node" } } } }, $ref: "#/$defs/node" }, /recursive \$ref '#\/\$defs\/node'/);
  refused({ $ref: "#/$defs/missing" }, /'#\/\$defs\/missing' points to nothing/);
  refused({ $ref: "https://example.com/s.json" }, /only local references/);
  const wide = { type: "object", properties: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`p${i}`, { type: "string" }])) };
  refused(wide, /more than 512 subschemas/);
  let deep: Record<string, unknown> = { type: "string" };
  for (let i = 0; i < 40; i++) deep = { type: "array", items: deep };
  refused(deep, /nests deeper than 32 levels/);
});

test("the validator checks generated values against the caller's own schema", () => {
  const validate = compileValidator({ type: "object", properties: { d: { type: "string", format: "date" }, n: { $ref: "#/$defs/n" } }, required: ["n"], $defs: { n: { type: "integer" } } });
  assert.equal(validate({ d: "2026-12-01", n: 3 }), undefined);
  assert.equal(validate({ n: 1.5 }), "/n must be integer");
  assert.equal(validate({ d: "soon", n: 1 }), '/d must match format "date"');
  assert.equal(compileValidator({ type: "array", items: [{ type: "string" }] })([2]), "/0 must be string");
});
