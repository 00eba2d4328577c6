import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { ChatCloudflareWorkersAI } from "@langchain/cloudflare";
import { ChatOpenAI } from "@langchain/openai";
import { generateObject, generateText, Output, stepCountIs, tool } from "ai";
import OpenAI from "openai";
import { zodFunction, zodResponseFormat } from "openai/helpers/zod";
import { createWorkersAI } from "workers-ai-provider";
import { z } from "zod";
import { createRemoteAi } from "../../src/index.js";
import { startServer, STORIES, type TestServer } from "../helpers/server.js";

/** What each client is asked for: small enough that the tiny model finishes within max_tokens. */
const Pet = z.object({ name: z.string().max(16), age: z.number().int(), kind: z.enum(["cat", "dog", "bird"]), friendly: z.boolean() });
const weatherArgs = z.object({ city: z.string().max(16) });
const SEEDS = Array.from({ length: 50 }, (_, i) => i + 1);
const prompt = "Tell me about a pet.";

/**
 * The clients users bring, unmodified, against the real server and the tiny stories model:
 * every structured answer must parse and validate against its zod schema, seed after seed.
 */
describe("structured output and tools through real clients", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());
  const openai = () => new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });

  test("openai SDK: chat.completions.parse with a zod schema, 50 seeds", async () => {
    for (const seed of SEEDS) {
      const completion = await openai().chat.completions.parse({ model: STORIES, seed, max_tokens: 300, messages: [{ role: "user", content: prompt }], response_format: zodResponseFormat(Pet, "pet") });
      const parsed = completion.choices[0]?.message.parsed;
      assert.deepEqual(Pet.parse(parsed), parsed, `seed ${seed}`);
    }
  });

  test("openai SDK: tool_choice required, plain and streamed, arguments parse with zod", async () => {
    const tools = [zodFunction({ name: "get_weather", parameters: weatherArgs })];
    for (const seed of SEEDS) {
      const completion = await openai().chat.completions.parse({ model: STORIES, seed, max_tokens: 400, messages: [{ role: "user", content: "Weather in Oslo?" }], tools, tool_choice: "required" });
      const [choice] = completion.choices;
      assert.equal(choice?.finish_reason, "tool_calls");
      const call = choice?.message.tool_calls?.[0];
      assert.equal(call?.type === "function" && call.function.name, "get_weather");
      if (call?.type === "function") weatherArgs.parse(call.function.parsed_arguments);
    }
    const stream = openai().chat.completions.stream({ model: STORIES, seed: 3, max_tokens: 400, messages: [{ role: "user", content: "Weather?" }], tools, tool_choice: "required" });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    assert.ok(call?.type === "function");
    weatherArgs.parse(JSON.parse(call.function.arguments));
    assert.equal(final.choices[0]?.finish_reason, "tool_calls");
  });

  test("Vercel AI SDK over /v1 (@ai-sdk/openai-compatible): generateObject, Output.object and a required tool()", async () => {
    const provider = createOpenAICompatible({ name: "outpost", baseURL: `${server.url}/v1`, supportsStructuredOutputs: true });
    const model = provider(STORIES);
    for (const seed of SEEDS) {
      const { object } = await generateObject({ model, schema: Pet, prompt, seed, maxOutputTokens: 300, maxRetries: 0 });
      Pet.parse(object);
    }
    const { output } = await generateText({ model, output: Output.object({ schema: Pet }), prompt, seed: 7, maxOutputTokens: 300, maxRetries: 0 });
    Pet.parse(output);
    for (const seed of SEEDS) {
      const result = await generateText({
        model,
        prompt: "Weather?",
        seed,
        maxOutputTokens: 400,
        maxRetries: 0,
        tools: { get_weather: tool({ description: "Weather", inputSchema: weatherArgs }) },
        toolChoice: "required",
        stopWhen: stepCountIs(1),
      });
      assert.equal(result.toolCalls[0]?.toolName, "get_weather");
      weatherArgs.parse(result.toolCalls[0]?.input);
    }
  });

  test("Vercel AI SDK over Outpost's env.AI binding (workers-ai-provider): generateObject and a required tool()", async () => {
    const workersai = createWorkersAI({ binding: createRemoteAi(server.url) as never });
    const model = workersai(STORIES as never);
    for (const seed of SEEDS) {
      const { object } = await generateObject({ model, schema: Pet, prompt, seed, maxOutputTokens: 300, maxRetries: 0 });
      Pet.parse(object);
    }
    for (const seed of SEEDS) {
      const result = await generateText({
        model,
        prompt: "Weather?",
        seed,
        maxOutputTokens: 400,
        maxRetries: 0,
        tools: { get_weather: tool({ description: "Weather", inputSchema: weatherArgs }) },
        toolChoice: "required",
        stopWhen: stepCountIs(1),
      });
      assert.equal(result.toolCalls[0]?.toolName, "get_weather");
      weatherArgs.parse(result.toolCalls[0]?.input);
    }
  });

  test("LangChain: @langchain/openai withStructuredOutput, and @langchain/cloudflare against the Workers AI route", async () => {
    for (const method of ["jsonSchema", "functionCalling"] as const) {
      for (const seed of SEEDS) {
        const chat = new ChatOpenAI({ model: STORIES, apiKey: "unused", configuration: { baseURL: `${server.url}/v1` }, maxTokens: 400, maxRetries: 0, modelKwargs: { seed } });
        const pet = await chat.withStructuredOutput(Pet, { method }).invoke(prompt);
        assert.deepEqual(Pet.parse(pet), pet, `${method} seed ${seed}`);
      }
    }
    // @langchain/cloudflare sends only messages (no response_format or tools): plain chat works.
    const cloudflare = new ChatCloudflareWorkersAI({ model: STORIES, cloudflareAccountId: "0123abcd", cloudflareApiToken: "unused", baseUrl: `${server.url}/client/v4/accounts/0123abcd/ai/run` });
    const answer = await cloudflare.invoke("Once upon a time");
    assert.equal(typeof answer.content, "string");
    assert.ok((answer.content as string).length > 0);
  });
});
