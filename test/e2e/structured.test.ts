import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { bodyText, envelopeError, envelopeResult, openAiError, post, sseData } from "../helpers/http.js";
import { startServer, STORIES, TINYSTORIES_656K, type TestServer } from "../helpers/server.js";

/** Ten fields of every kind the grammar handles: the schema the bench measures too. */
export const PERSON = {
  type: "object",
  properties: {
    name: { type: "string", maxLength: 24 },
    age: { type: "integer" },
    height: { type: "number" },
    member: { type: "boolean" },
    role: { enum: ["admin", "user", "guest"] },
    tags: { type: "array", items: { type: "string", maxLength: 12 }, maxItems: 3 },
    address: { type: "object", properties: { city: { type: "string", maxLength: 16 }, zip: { type: "string", maxLength: 8 } }, required: ["city"] },
    nickname: { type: ["string", "null"], maxLength: 12 },
    born: { type: "string", format: "date" },
    kind: { const: "person" },
  },
  required: ["name", "age", "role"],
  additionalProperties: false,
};

const WEATHER = { name: "get_weather", description: "Current weather", parameters: { type: "object", properties: { city: { type: "string", maxLength: 16 } }, required: ["city"] } };
const SEEDS = Array.from({ length: 50 }, (_, i) => i + 1);

/** JSON mode and tool calls over raw HTTP on both surfaces, with the real tiny models. */
describe("structured output and tools", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());
  const run = (inputs: unknown, model = STORIES) => post(`${server.url}/ai/run/${model}`, inputs);
  const chat = (body: Record<string, unknown>) => post(`${server.url}/v1/chat/completions`, { model: STORIES, ...body });
  const messages = [{ role: "user", content: "Tell me about a person." }];

  test("json_schema: `response` is the parsed object, valid against the schema, for 50 seeds", async () => {
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(PERSON);
    for (const seed of SEEDS) {
      const result = await envelopeResult(await run({ messages, seed, max_tokens: 400, response_format: { type: "json_schema", json_schema: PERSON } }));
      assert.equal(typeof result.response, "object", `seed ${seed}`);
      assert.ok(validate(result.response), `seed ${seed}: ${JSON.stringify(validate.errors)} ${JSON.stringify(result.response)}`);
      assert.equal(result.response.kind, "person");
    }
  });

  test("json_object gives an object; streamed JSON mode streams text that parses whole", async () => {
    const plain = await envelopeResult(await run({ prompt: "Once upon a time", seed: 3, max_tokens: 200, response_format: { type: "json_object" } }));
    assert.equal(Object.prototype.toString.call(plain.response), "[object Object]");
    const res = await run({ messages, seed: 4, stream: true, max_tokens: 400, response_format: { type: "json_schema", json_schema: PERSON } });
    const events = sseData(await bodyText(res));
    assert.equal(events.at(-1), "[DONE]");
    const text = events.slice(0, -1).map((data) => JSON.parse(data).response as string).join("");
    assert.equal(JSON.parse(text).kind, "person");
  });

  test("max_tokens inside the JSON: an error on Workers AI, finish_reason length on OpenAI", async () => {
    const inputs = { messages, seed: 5, max_tokens: 6, response_format: { type: "json_schema", json_schema: PERSON } };
    await envelopeError(await run(inputs), 400, 3047, /^The JSON is incomplete: max_tokens was reached inside the JSON value/);
    const streamed = await bodyText(await run({ ...inputs, stream: true }));
    assert.match(streamed, /event: error\ndata: \{"errors":\[\{"code":3047,"message":"The JSON is incomplete/);
    assert.doesNotMatch(streamed, /\[DONE\]/);
    const body = JSON.parse(await bodyText(await chat(inputs)));
    assert.equal(body.choices[0].finish_reason, "length");
    assert.throws(() => JSON.parse(body.choices[0].message.content));
  });

  test("tools: forced calls come back parsed, legacy form as objects, OpenAI form with ids and strings", async () => {
    const legacy = await envelopeResult(await run({ messages, seed: 6, max_tokens: 400, tools: [WEATHER], tool_choice: "required" }));
    assert.equal(legacy.tool_calls.length >= 1, true);
    assert.equal(legacy.tool_calls[0].name, "get_weather");
    assert.equal(typeof legacy.tool_calls[0].arguments.city, "string");
    const openai = await envelopeResult(await run({ messages, seed: 6, max_tokens: 400, tools: [{ type: "function", function: WEATHER }], tool_choice: "required", parallel_tool_calls: false }));
    assert.equal(openai.tool_calls.length, 1);
    assert.match(openai.tool_calls[0].id, /^call_/);
    assert.equal(openai.tool_calls[0].type, "function");
    assert.equal(typeof JSON.parse(openai.tool_calls[0].function.arguments).city, "string");
  });

  test("OpenAI chat: tool_calls with finish_reason tool_calls, streamed as deltas, and a role:tool follow-up", async () => {
    const tools = [{ type: "function", function: WEATHER }];
    const body = JSON.parse(await bodyText(await chat({ messages, seed: 8, max_tokens: 400, tools, tool_choice: { type: "function", function: { name: "get_weather" } } })));
    const [choice] = body.choices;
    assert.equal(choice.finish_reason, "tool_calls");
    assert.equal(choice.message.content, null);
    const call = choice.message.tool_calls[0];
    assert.equal(call.function.name, "get_weather");
    const chunks = sseData(await bodyText(await chat({ messages, seed: 8, max_tokens: 400, tools, tool_choice: "required", stream: true })))
      .slice(0, -1)
      .map((data) => JSON.parse(data));
    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta?.tool_calls ?? []);
    assert.equal(deltas[0].index, 0);
    assert.match(deltas[0].id, /^call_/);
    assert.equal(deltas[0].function.name, "get_weather");
    assert.equal(typeof JSON.parse(deltas.filter((d) => d.index === 0).map((d) => d.function.arguments).join("")).city, "string");
    // The arguments arrive while they are generated, in many deltas; only each call's first names it.
    assert.ok(deltas.filter((d) => d.index === 0).length > 3, JSON.stringify(deltas));
    for (const index of new Set(deltas.map((d) => d.index))) {
      const [opening, ...rest] = deltas.filter((d) => d.index === index);
      assert.deepEqual([typeof opening.id, opening.function.name, opening.function.arguments], ["string", "get_weather", ""]);
      assert.deepEqual(rest.filter((d) => d.id !== undefined || d.function.name !== undefined), []);
    }
    assert.equal(chunks.at(-1).choices[0].finish_reason, "tool_calls");
    const followUp = await chat({ seed: 9, max_tokens: 10, tools, messages: [...messages, choice.message, { role: "tool", tool_call_id: call.id, content: "Sunny, 21 C" }] });
    assert.equal(followUp.status, 200, await followUp.clone().text());
    assert.equal(typeof JSON.parse(await bodyText(followUp)).choices[0].message.content, "string");
  });

  test("/v1/completions accepts response_format", async () => {
    const res = await post(`${server.url}/v1/completions`, { model: STORIES, prompt: "Once upon a time", seed: 2, max_tokens: 300, response_format: { type: "json_schema", json_schema: { name: "p", strict: true, schema: PERSON } } });
    const body = JSON.parse(await bodyText(res));
    assert.equal(body.choices[0].finish_reason, "stop");
    assert.equal(JSON.parse(body.choices[0].text).kind, "person");
  });

  test("bad schemas and tools are 400s naming the problem, and the server keeps serving", async () => {
    const wide = { type: "object", properties: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`p${i}`, { type: "string" }])) };
    const cases: [unknown, RegExp][] = [
      [{ response_format: { type: "json_schema", json_schema: "nope" } }, /'\/response_format\/json_schema': a JSON Schema is required/],
      [{ response_format: { type: "json_schema", json_schema: { type: "strng" } } }, /unknown type "strng"/],
      [{ response_format: { type: "json_schema", json_schema: { type: "number", minimum: 1 } } }, /the JSON Schema keyword 'minimum' is not supported/],
      [{ response_format: { type: "json_schema", json_schema: wide } }, /more than 512 subschemas/],
      [{ response_format: { type: "json_schema", json_schema: { type: "object", properties: { next: { $ref: "#" } } } } }, /recursive \$ref '#' is not supported/],
      [{ tools: [{ description: "no name" }] }, /'\/tools\/0\/name': a tool needs a name/],
      [{ tools: [WEATHER, WEATHER] }, /'\/tools\/1': duplicate tool name 'get_weather'/],
      [{ tools: [WEATHER], tool_choice: { type: "function", function: { name: "missing" } } }, /no tool is named 'missing'/],
      [{ messages: [...messages, { role: "tool", content: "sunny" }] }, /'\/messages\/1\/tool_call_id': a role "tool" message needs the tool_call_id/],
    ];
    for (const [inputs, message] of cases) {
      await envelopeError(await run({ messages, ...(inputs as object) }), 400, 1001, message);
      await openAiError(await chat({ messages, ...(inputs as object) }), 400, "input_invalid", message);
    }
    const ok = await envelopeResult(await run({ messages, max_tokens: 60, response_format: { type: "json_object" } }));
    assert.equal(typeof ok.response, "object");
  });

  test("a model whose vocabulary cannot write JSON is refused up front, and its runner survives", async () => {
    await envelopeError(await run({ prompt: "Once upon a time", response_format: { type: "json_object" } }, TINYSTORIES_656K), 400, 1001, /This model cannot write JSON: its vocabulary has no token for '\{'/);
    const after = await envelopeResult(await run({ prompt: "Once upon a time", max_tokens: 5 }, TINYSTORIES_656K));
    assert.equal(typeof after.response, "string");
  });

  test("models/schema describes response_format, tools and tool_calls", async () => {
    const schema = await envelopeResult(await fetch(`${server.url}/ai/models/schema?model=${STORIES}`));
    for (const form of schema.input.oneOf) {
      assert.deepEqual(form.properties.response_format.properties.type.enum, ["text", "json_object", "json_schema"]);
      assert.equal(form.properties.tools.type, "array");
      assert.ok(form.properties.tool_choice.oneOf);
    }
    assert.equal(schema.output.oneOf[0].properties.tool_calls.type, "array");
  });
});
