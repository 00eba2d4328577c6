import { JSON_NUMBER_DIGITS, OutpostError } from "../contract/index.js";
import { MAX_SCHEMA_DEPTH, MAX_SCHEMA_NODES } from "./constants.js";

type Schema = Record<string, unknown>;

/** Keywords that describe and never constrain: accepted and dropped. */
const ANNOTATIONS = new Set(["title", "description", "default", "examples", "$comment", "$schema", "$id", "deprecated", "readOnly", "writeOnly"]);
/** Keywords the grammar enforces exactly (see reduce()); anything else is refused by name. */
const SUPPORTED = new Set([
  "type",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "prefixItems",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "format",
  "anyOf",
  "oneOf",
  "$ref",
  "$defs",
  "definitions",
  "minProperties",
  "maxProperties",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
]);
/** The largest magnitude a constrained number can have (see JSON_NUMBER_DIGITS). */
const NUMBER_LIMIT = 10 ** JSON_NUMBER_DIGITS - 1;
export const SUPPORTED_KEYWORDS = [...SUPPORTED];
const FORMATS = new Set(["date-time", "date", "time"]);
const TYPES = new Set(["string", "number", "integer", "boolean", "null", "object", "array"]);

/** Any JSON value, spelled in the grammar's subset (an empty schema there would mean `null`). */
const ANY: Schema = { oneOf: [{ type: ["string", "number", "boolean", "null"] }, { type: "object", additionalProperties: true }, { type: "array" }] };

/**
 * Reduces a caller's JSON Schema to the subset node-llama-cpp turns into a grammar: `$ref`s
 * inlined, unions as `oneOf`, object properties all emitted. Every value the grammar allows
 * then validates against the original schema (checked again after generation), so a keyword
 * the grammar cannot enforce is refused here by name rather than ignored: never fail open.
 */
export function toGrammarSchema(schema: unknown, at: string): Schema {
  const state = { root: schema, nodes: 0, refs: [] as string[] };
  return reduce(schema, at, state, 0);
}

interface ReduceState {
  root: unknown;
  nodes: number;
  /** `$ref`s being inlined, outermost first: one seen twice is a cycle. */
  refs: string[];
}

const invalid = (at: string, message: string) => new OutpostError("INPUT_INVALID", `Invalid input at '${at}': ${message}`);

function reduce(node: unknown, at: string, state: ReduceState, depth: number): Schema {
  if (++state.nodes > MAX_SCHEMA_NODES) throw invalid(at, `the JSON Schema has more than ${MAX_SCHEMA_NODES} subschemas (after inlining $ref), the most Outpost compiles`);
  if (depth > MAX_SCHEMA_DEPTH) throw invalid(at, `the JSON Schema nests deeper than ${MAX_SCHEMA_DEPTH} levels`);
  if (node === true) return ANY;
  if (typeof node !== "object" || node === null || Array.isArray(node)) throw invalid(at, "expected a JSON Schema object");
  const schema = node as Schema;
  const keys = Object.keys(schema).filter((key) => !ANNOTATIONS.has(key));
  for (const key of keys) {
    if (!SUPPORTED.has(key)) throw invalid(at, `the JSON Schema keyword '${key}' is not supported (a grammar cannot enforce it); supported: ${SUPPORTED_KEYWORDS.join(", ")}`);
  }
  const sub = (value: unknown, path: string) => reduce(value, `${at}/${path}`, state, depth + 1);

  if (schema.$ref !== undefined) {
    const siblings = keys.filter((key) => key !== "$ref" && key !== "$defs" && key !== "definitions");
    if (siblings.length > 0) throw invalid(at, `'$ref' beside '${siblings[0]}' is not supported`);
    return inline(schema.$ref, at, state, depth);
  }
  for (const union of ["anyOf", "oneOf"] as const) {
    if (schema[union] === undefined) continue;
    const others = keys.filter((key) => key !== union && key !== "$defs" && key !== "definitions");
    if (others.length > 0) throw invalid(at, `'${union}' beside '${others[0]}' is not supported`);
    const options = schema[union];
    if (!Array.isArray(options) || options.length === 0) throw invalid(`${at}/${union}`, "expected a non-empty array of schemas");
    // The grammar allows any branch, which is anyOf; for oneOf, overlapping branches are caught
    // by the validation after generation.
    return { oneOf: options.map((option, index) => sub(option, `${union}/${index}`)) };
  }
  if (schema.const !== undefined) return { const: literal(schema.const, `${at}/const`) };
  if (schema.enum !== undefined) {
    if (!Array.isArray(schema.enum) || schema.enum.length === 0) throw invalid(`${at}/enum`, "expected a non-empty array");
    return { enum: schema.enum.map((value, index) => literal(value, `${at}/enum/${index}`)) };
  }
  const type = schema.type;
  if (type === undefined) {
    if (keys.some((key) => key !== "$defs" && key !== "definitions")) throw invalid(at, "a schema with constraints needs a 'type'");
    return ANY;
  }
  if (Array.isArray(type)) {
    if (type.length === 0) throw invalid(`${at}/type`, "expected at least one type");
    if (type.length === 1) return reduce({ ...schema, type: type[0] }, at, state, depth);
    // Each branch keeps the keywords of its own type: `maxLength` binds the string, not the null.
    const branch = (one: unknown) => Object.fromEntries(Object.entries(schema).filter(([key]) => ANNOTATIONS.has(key) || typeof one !== "string" || fitsType(key, one)));
    return { oneOf: type.map((one) => reduce({ ...branch(one), type: one }, at, state, depth + 1)) };
  }
  if (typeof type !== "string" || !TYPES.has(type)) throw invalid(`${at}/type`, `unknown type ${JSON.stringify(type)}`);
  const misplaced = keys.find((key) => !fitsType(key, type));
  if (misplaced) throw invalid(at, `'${misplaced}' does not apply to type '${type}'`);
  if (type === "object") return reduceObject(schema, at, sub);
  if (type === "array") return reduceArray(schema, at, sub);
  if (type === "string") return reduceString(schema, at);
  if (type === "number" || type === "integer") checkBounds(schema, at);
  return { type };
}

const TYPE_KEYWORDS: Record<string, string[]> = {
  object: ["properties", "required", "additionalProperties", "minProperties", "maxProperties"],
  array: ["items", "prefixItems", "minItems", "maxItems"],
  string: ["minLength", "maxLength", "format"],
  number: ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"],
  integer: ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"],
};

function fitsType(key: string, type: string): boolean {
  return key === "type" || key === "$defs" || key === "definitions" || (TYPE_KEYWORDS[type]?.includes(key) ?? false);
}

function reduceObject(schema: Schema, at: string, sub: (value: unknown, path: string) => Schema): Schema {
  const properties = schema.properties ?? {};
  if (typeof properties !== "object" || properties === null || Array.isArray(properties)) throw invalid(`${at}/properties`, "expected an object");
  const names = Object.keys(properties);
  const required = schema.required ?? [];
  if (!Array.isArray(required) || required.some((name) => typeof name !== "string")) throw invalid(`${at}/required`, "expected an array of property names");
  const missing = (required as string[]).find((name) => !names.includes(name));
  if (missing !== undefined) throw invalid(`${at}/required`, `required property '${missing}' is not in 'properties'`);
  const reduced = Object.fromEntries(Object.entries(properties as Schema).map(([name, value]) => [name, sub(value, `properties/${escapePointer(name)}`)]));
  if (names.length > 0) {
    // The grammar writes every declared property, in order, and no others: that satisfies
    // `required`, `additionalProperties` of any kind, and property counts that admit them all.
    const { minProperties: min, maxProperties: max } = schema;
    if ((typeof min === "number" && min > names.length) || (typeof max === "number" && max < names.length)) {
      throw invalid(at, "'minProperties'/'maxProperties' together with 'properties' is supported only when every declared property fits");
    }
    return { type: "object", properties: reduced };
  }
  const extra = schema.additionalProperties;
  const additionalProperties = extra === false ? false : extra === undefined || extra === true ? true : sub(extra, "additionalProperties");
  return { type: "object", properties: {}, additionalProperties, ...counts(schema, "minProperties", "maxProperties", at) };
}

function reduceArray(schema: Schema, at: string, sub: (value: unknown, path: string) => Schema): Schema {
  const out: Schema = { type: "array", ...counts(schema, "minItems", "maxItems", at) };
  // Draft 7 spells tuples as an items array; 2020-12 as prefixItems.
  const tuple = Array.isArray(schema.items) ? schema.items : schema.prefixItems;
  if (tuple !== undefined) {
    if (!Array.isArray(tuple)) throw invalid(`${at}/prefixItems`, "expected an array of schemas");
    out.prefixItems = tuple.map((item, index) => sub(item, `prefixItems/${index}`));
    // Without a schema for the rest, the tuple is closed: the grammar writes no more items.
    out.maxItems = Math.min(tuple.length, typeof out.maxItems === "number" ? out.maxItems : tuple.length);
    if (!Array.isArray(schema.items) && schema.items !== undefined && schema.items !== false) throw invalid(`${at}/items`, "'items' beside 'prefixItems' is not supported");
  } else if (schema.items !== undefined) {
    out.items = sub(schema.items, "items");
  } else {
    out.items = ANY;
  }
  return out;
}

function reduceString(schema: Schema, at: string): Schema {
  if (schema.format !== undefined) {
    if (typeof schema.format !== "string" || !FORMATS.has(schema.format)) {
      throw invalid(`${at}/format`, `the string format ${JSON.stringify(schema.format)} is not supported; supported: ${[...FORMATS].join(", ")}`);
    }
    if (schema.minLength !== undefined || schema.maxLength !== undefined) throw invalid(at, "'format' beside 'minLength'/'maxLength' is not supported");
    return { type: "string", format: schema.format };
  }
  return { type: "string", ...counts(schema, "minLength", "maxLength", at) };
}

/**
 * Numeric bounds are accepted where every number the grammar can write meets them, as with
 * zod's safe-integer bounds on `.int()`; a bound inside that range is refused by name.
 */
function checkBounds(schema: Schema, at: string): void {
  for (const key of ["minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"]) {
    const value = schema[key];
    if (value === undefined) continue;
    if (typeof value !== "number") throw invalid(`${at}/${key}`, "expected a number");
    const holds = key.endsWith("inimum") ? value < -NUMBER_LIMIT || (key === "minimum" && value === -NUMBER_LIMIT) : value > NUMBER_LIMIT || (key === "maximum" && value === NUMBER_LIMIT);
    if (!holds) throw invalid(at, `the JSON Schema keyword '${key}' is not supported with a bound inside ±${NUMBER_LIMIT} (a grammar cannot enforce it)`);
  }
}

function counts(schema: Schema, minKey: string, maxKey: string, at: string): Schema {
  const out: Schema = {};
  for (const key of [minKey, maxKey]) {
    const value = schema[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || (value as number) < 0) throw invalid(`${at}/${key}`, "expected a non-negative integer");
    out[key] = value;
  }
  if (typeof out[minKey] === "number" && typeof out[maxKey] === "number" && out[minKey] > out[maxKey]) throw invalid(at, `'${minKey}' is greater than '${maxKey}'`);
  return out;
}

function literal(value: unknown, at: string): string | number | boolean | null {
  if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  throw invalid(at, "only string, number, boolean and null literals are supported");
}

function inline(ref: unknown, at: string, state: ReduceState, depth: number): Schema {
  if (typeof ref !== "string" || !ref.startsWith("#")) throw invalid(`${at}/$ref`, "only local references ('#/$defs/…', '#/definitions/…') are supported");
  if (state.refs.includes(ref)) throw invalid(`${at}/$ref`, `recursive $ref '${ref}' is not supported: a grammar needs a bounded schema`);
  let target: unknown = state.root;
  for (const part of ref.slice(1).split("/").slice(1)) {
    const key = part.replaceAll("~1", "/").replaceAll("~0", "~");
    target = typeof target === "object" && target !== null ? (target as Schema)[key] : undefined;
  }
  if (target === undefined) throw invalid(`${at}/$ref`, `'${ref}' points to nothing`);
  state.refs.push(ref);
  try {
    return reduce(target, at, state, depth + 1);
  } finally {
    state.refs.pop();
  }
}

function escapePointer(name: string): string {
  return name.replaceAll("~", "~0").replaceAll("/", "~1");
}
