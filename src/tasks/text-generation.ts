import { randomInt } from "node:crypto";
import { z } from "zod";
import { OutpostError, type ChatMessage, type EngineResult, type ModelDescriptor, type RunResult, type TextJob, textModel } from "../contract/index.js";
import { renderChat, renderPrompt, isChatTemplateName } from "./chat-templates.js";
import { MAX_MESSAGES, MAX_PROMPT_CHARS, MAX_TOOLS } from "./constants.js";
import { TEXT_GENERATION_BODY_LIMITS } from "./body-limits.js";
import { planOutput, shapeText } from "./structured-plan.js";
import { describeStructuredInputs, TEXT_GENERATION_OUTPUT } from "./structured-schemas.js";
import type { Prepared, Task } from "./task.js";
import { toolTurns } from "./tool-messages.js";
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
  // Checked field by field where their errors can name the problem; served as full schemas.
  response_format: z.unknown().optional(),
  tools: z.array(z.unknown()).max(MAX_TOOLS).optional(),
  tool_choice: z.unknown().optional(),
  parallel_tool_calls: z.boolean().optional(),
};

const content = z.union([
  z.string().max(MAX_PROMPT_CHARS),
  z.array(z.object({ type: z.literal("text"), text: z.string().max(MAX_PROMPT_CHARS) })),
]);

// Each form forbids the other's key, so the served schema rejects prompt + messages as run() does.
const promptForm = z.object({ prompt: z.string().min(1).max(MAX_PROMPT_CHARS), messages: z.never().optional(), ...sampling });
const messagesForm = z.object({
  messages: z
    .array(
      z.object({
        role: z.enum(["system", "user", "assistant", "tool"]),
        // null where an assistant turn only made tool calls, as OpenAI clients send it.
        content: content.nullable().optional(),
        name: z.string().optional(),
        tool_call_id: z.string().optional(),
        tool_calls: z.array(z.unknown()).max(MAX_TOOLS).optional(),
      }),
    )
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
  return toolTurns(
    messages.map((msg) => ({
      ...msg,
      content: typeof msg.content === "string" ? msg.content : (msg.content ?? []).map((part) => part.text).join(""),
    })),
  );
}


export const textGeneration = {
  id: "text-generation",
  inputSchema: { type: "object", oneOf: [describeStructuredInputs(toJsonSchema(promptForm)), describeStructuredInputs(toJsonSchema(messagesForm))] },
  bodyLimits: TEXT_GENERATION_BODY_LIMITS,
  outputSchema: TEXT_GENERATION_OUTPUT,

  prepare(raw: unknown, descriptor: ModelDescriptor): Prepared & { job: TextJob } {
    const model = textModel(descriptor);
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
    const { constraint, output, instruct } = planOutput(inputs, model);
    if (prompt !== undefined && inputs.raw === true) {
      // Raw prompts carry the caller's own template markup, so it is tokenized as such.
      return { stream, output, job: { kind: "generate", prompt: [{ text: prompt, special: true }], sampling: samplingParams, constraint } };
    }
    const system = model.systemPrompt ? [{ role: "system", content: model.systemPrompt }] : [];
    // With tools or a schema to announce, a plain prompt is a conversation the instructions join.
    const chat = messages ? instruct(toMessages(messages)) : output ? instruct([...system, { role: "user", content: prompt ?? "" }]) : undefined;
    if (model.chatTemplate === "gguf") {
      return { stream, output, job: { kind: "chat", messages: chat ?? [...system, { role: "user", content: prompt ?? "" }], sampling: samplingParams, constraint } };
    }
    if (!isChatTemplateName(model.chatTemplate)) {
      throw new OutpostError("INTERNAL", `Model ${model.id} names an unknown chat template '${model.chatTemplate}'`);
    }
    const rendered = chat ? renderChat(model.chatTemplate, chat) : renderPrompt(model.chatTemplate, prompt ?? "", model.systemPrompt);
    return { stream, output, job: { kind: "generate", prompt: rendered, sampling: samplingParams, constraint } };
  },

  async shape(result: EngineResult, prepared: Prepared): Promise<RunResult> {
    if (result.kind !== "events") throw new OutpostError("INTERNAL", "text-generation engine returned no token stream");
    return shapeText(result.events, prepared);
  },
} satisfies Task;
