import { randomInt } from "node:crypto";
import { z } from "zod";
import { OutpostError, type ChatMessage, type FinishReason, type EngineResult, type ModelDescriptor, type RunEvent, type RunResult, type TextJob, type Usage } from "../contract/index.js";
import { renderChat, renderPrompt, isChatTemplateName } from "./chat-templates.js";
import { MAX_MESSAGES, MAX_PROMPT_CHARS } from "./constants.js";
import { TEXT_GENERATION_BODY_LIMITS } from "./body-limits.js";
import type { Task } from "./task.js";
import { parseInputs, requireObject, toJsonSchema } from "./validate.js";

/** Sampling fields shared by both input forms; ranges follow the Workers AI schemas. */
const sampling = {
  stream: z.boolean().optional().describe("Stream the response as server-sent events."),
  max_tokens: z.number().int().min(1).optional().describe("Most tokens to generate. Default 256."),
  temperature: z.number().min(0).max(5).optional().describe("Randomness. Default 0.6; 0 is greedy."),
  top_p: z.number().gt(0).max(2).optional(),
  top_k: z.number().int().min(1).max(50).optional(),
  seed: z.number().int().min(1).max(9_999_999_999).optional().describe("Same seed and inputs give the same output; a random seed when omitted."),
  repetition_penalty: z.number().min(0).max(2).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  raw: z.boolean().optional().describe("Skip the chat template."),
};

const content = z.union([
  z.string().max(MAX_PROMPT_CHARS),
  z.array(z.object({ type: z.literal("text"), text: z.string().max(MAX_PROMPT_CHARS) })),
]);

// Each form forbids the other's key, so the served schema rejects prompt + messages as run() does.
const promptForm = z.object({ prompt: z.string().min(1).max(MAX_PROMPT_CHARS), messages: z.never().optional(), ...sampling });
const messagesForm = z.object({
  messages: z
    .array(z.object({ role: z.enum(["system", "user", "assistant", "tool"]), content, name: z.string().optional() }))
    .min(1)
    .max(MAX_MESSAGES),
  prompt: z.never().optional(),
  ...sampling,
});

type Inputs = z.output<typeof promptForm> | z.output<typeof messagesForm>;

const DEFAULT_TEMPERATURE = 0.6;
/**
 * Seed drawn when the caller gives none. Without one, llama.cpp seeds from the clock in seconds,
 * so identical requests within a second sampled identical text; Workers AI's vary.
 */
const RANDOM_SEED_MAX = 2 ** 31;

function toMessages(messages: z.output<typeof messagesForm>["messages"]): ChatMessage[] {
  return messages.map((msg) => ({
    role: msg.role,
    content: typeof msg.content === "string" ? msg.content : msg.content.map((part) => part.text).join(""),
  }));
}

/** Collects a token stream into `{response, usage}`; an error event becomes a thrown error. */
export async function collectText(events: AsyncIterable<RunEvent>): Promise<{ response: string; usage: Usage; finishReason: FinishReason }> {
  let response = "";
  for await (const event of events) {
    if (event.type === "token") response += event.text;
    else if (event.type === "error") throw OutpostError.fromWire(event.error);
    else return { response, usage: event.usage, finishReason: event.finishReason };
  }
  throw new OutpostError("INTERNAL", "Token stream ended without a final event");
}

export const textGeneration = {
  id: "text-generation",
  inputSchema: { type: "object", oneOf: [toJsonSchema(promptForm), toJsonSchema(messagesForm)] },
  bodyLimits: TEXT_GENERATION_BODY_LIMITS,
  outputSchema: {
    oneOf: [
      {
        type: "object",
        contentType: "application/json",
        properties: {
          response: { type: "string" },
          usage: {
            type: "object",
            properties: { prompt_tokens: { type: "integer" }, completion_tokens: { type: "integer" }, total_tokens: { type: "integer" } },
          },
        },
        required: ["response"],
      },
      { type: "string", contentType: "text/event-stream", format: "binary" },
    ],
  },

  prepare(raw: unknown, model: ModelDescriptor): { job: TextJob; stream: boolean } {
    const fields = requireObject(raw);
    const hasPrompt = fields.prompt !== undefined;
    const hasMessages = fields.messages !== undefined;
    if (hasPrompt && hasMessages) throw new OutpostError("INPUT_INVALID", "prompt and messages are mutually exclusive");
    if (!hasPrompt && !hasMessages) throw new OutpostError("INPUT_INVALID", "Invalid input at '/': one of 'prompt' or 'messages' is required");
    const inputs: Inputs = hasPrompt ? parseInputs(promptForm, fields) : parseInputs(messagesForm, fields);

    const stream = inputs.stream === true;
    const samplingParams = {
      maxTokens: inputs.max_tokens ?? (stream ? model.maxTokensStreamDefault : model.maxTokensDefault),
      temperature: inputs.temperature ?? DEFAULT_TEMPERATURE,
      topP: inputs.top_p,
      topK: inputs.top_k,
      seed: inputs.seed ?? randomInt(1, RANDOM_SEED_MAX),
      repetitionPenalty: inputs.repetition_penalty,
      frequencyPenalty: inputs.frequency_penalty,
      presencePenalty: inputs.presence_penalty,
    };
    const { prompt, messages } = inputs;
    if (prompt !== undefined && inputs.raw === true) {
      // Raw prompts carry the caller's own template markup, so it is tokenized as such.
      return { stream, job: { kind: "generate", prompt: [{ text: prompt, special: true }], sampling: samplingParams } };
    }
    if (model.chatTemplate === "gguf") {
      const system = model.systemPrompt ? [{ role: "system", content: model.systemPrompt }] : [];
      const chat = messages ? toMessages(messages) : [...system, { role: "user", content: prompt ?? "" }];
      return { stream, job: { kind: "chat", messages: chat, sampling: samplingParams } };
    }
    if (!isChatTemplateName(model.chatTemplate)) {
      throw new OutpostError("INTERNAL", `Model ${model.id} names an unknown chat template '${model.chatTemplate}'`);
    }
    const rendered = messages ? renderChat(model.chatTemplate, toMessages(messages)) : renderPrompt(model.chatTemplate, prompt ?? "", model.systemPrompt);
    return { stream, job: { kind: "generate", prompt: rendered, sampling: samplingParams } };
  },

  async shape(result: EngineResult, stream: boolean): Promise<RunResult> {
    if (result.kind !== "events") throw new OutpostError("INTERNAL", "text-generation engine returned no token stream");
    if (stream) return { kind: "events", events: result.events };
    const { response, usage } = await collectText(result.events);
    return { kind: "json", value: { response, usage } };
  },
} satisfies Task;
