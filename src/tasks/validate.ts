import { z } from "zod";
import { OutpostError } from "../contract/index.js";

/**
 * Parses inputs with a task schema and turns the first failure into INPUT_INVALID, naming the
 * field the way Workers AI does (`Type mismatch of '/max_tokens', 'integer' not 'string'`).
 */
export function parseInputs<T extends z.ZodType>(schema: T, inputs: unknown): z.output<T> {
  const result = schema.safeParse(inputs);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new OutpostError("INPUT_INVALID", "Invalid input");
  const path = "/" + issue.path.map(String).join("/");
  throw new OutpostError("INPUT_INVALID", `Invalid input at '${path}': ${issue.message}`);
}

/** Rejects anything that is not a plain JSON object, before field checks. */
export function requireObject(inputs: unknown): Record<string, unknown> {
  if (typeof inputs !== "object" || inputs === null || Array.isArray(inputs)) {
    throw new OutpostError("INPUT_INVALID", "Invalid input at '/': expected an object");
  }
  return inputs as Record<string, unknown>;
}

/**
 * The JSON Schema that `models/schema` serves for a zod schema: what the validator accepts
 * (input side, so unknown fields are allowed and ignored, as Workers AI ignores them), in
 * draft-07 like Workers AI's published schemas, without a `$schema` key, which they never carry.
 */
export function toJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: "input", target: "draft-7" });
  return rest;
}
