import { MAX_TOOLS } from "./constants.js";
import { SUPPORTED_KEYWORDS } from "./json-schema.js";
import type { JsonSchema } from "./task.js";

const SCHEMA_NOTE = `A JSON Schema using only: ${SUPPORTED_KEYWORDS.join(", ")} (others are refused with a 400 naming the keyword).`;
const parameters = { type: "object", description: `The arguments, as a JSON Schema of type object. ${SCHEMA_NOTE}` };
const functionFields = {
  name: { type: "string", pattern: "^[a-zA-Z0-9_-]{1,64}$" },
  description: { type: "string" },
  parameters,
};

/** `response_format`: Workers AI's JSON mode, and OpenAI's `{name, schema, strict}` wrapper. */
const RESPONSE_FORMAT: JsonSchema = {
  type: "object",
  description: "JSON mode: decoding is grammar-constrained, so the answer parses and validates. 'response' is then the parsed value.",
  properties: {
    type: { type: "string", enum: ["text", "json_object", "json_schema"] },
    json_schema: {
      description: SCHEMA_NOTE,
      oneOf: [
        { type: "object", description: "The schema itself (Workers AI)." },
        { type: "object", description: "OpenAI's wrapper.", properties: { name: { type: "string" }, strict: { type: "boolean" }, schema: { type: "object" } }, required: ["schema"] },
      ],
    },
  },
  required: ["type"],
};

const TOOLS: JsonSchema = {
  type: "array",
  maxItems: MAX_TOOLS,
  items: {
    oneOf: [
      { type: "object", description: "Legacy Workers AI form; calls come back as {id, name, arguments: object}.", properties: functionFields, required: ["name"] },
      {
        type: "object",
        description: "OpenAI form; calls come back as {id, type, function: {name, arguments: string}}.",
        properties: { type: { type: "string", enum: ["function"] }, function: { type: "object", properties: functionFields, required: ["name"] } },
        required: ["type", "function"],
      },
    ],
  },
};

const TOOL_CHOICE: JsonSchema = {
  description: "\"required\" and a named function are grammar-forced: a call always comes back.",
  oneOf: [
    { type: "string", enum: ["auto", "none", "required"] },
    { type: "object", properties: { type: { type: "string", enum: ["function"] }, function: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } }, required: ["type", "function"] },
  ],
};

/** Adds the structured-output fields, full schemas in place of the loose ones the validator parses. */
export function describeStructuredInputs(schema: JsonSchema): JsonSchema {
  const properties = { ...(schema.properties as Record<string, unknown>) };
  properties.response_format = RESPONSE_FORMAT;
  properties.tools = TOOLS;
  properties.tool_choice = TOOL_CHOICE;
  properties.parallel_tool_calls = { type: "boolean", description: `Allow up to several calls in one answer (default true).` };
  const messages = properties.messages as { items?: JsonSchema } | undefined;
  if (messages?.items) {
    // A tool result must say which call it answers.
    properties.messages = { ...messages, items: { ...messages.items, if: { properties: { role: { const: "tool" } } }, then: { required: ["tool_call_id"] } } };
  }
  return { ...schema, properties };
}

const usage = { type: "object", properties: { prompt_tokens: { type: "integer" }, completion_tokens: { type: "integer" }, total_tokens: { type: "integer" } } };

export const TEXT_GENERATION_OUTPUT: JsonSchema = {
  oneOf: [
    {
      type: "object",
      contentType: "application/json",
      properties: {
        response: { description: "The text; in JSON mode the parsed value.", oneOf: [{ type: "string" }, { type: "object" }, { type: "array" }] },
        tool_calls: {
          type: "array",
          items: {
            oneOf: [
              { type: "object", properties: { id: { type: "string" }, name: { type: "string" }, arguments: { type: "object" } }, required: ["name", "arguments"] },
              {
                type: "object",
                properties: { id: { type: "string" }, type: { type: "string", enum: ["function"] }, function: { type: "object", properties: { name: { type: "string" }, arguments: { type: "string" } } } },
                required: ["id", "type", "function"],
              },
            ],
          },
        },
        usage,
      },
      required: ["response"],
    },
    { type: "string", contentType: "text/event-stream", format: "binary" },
  ],
};
