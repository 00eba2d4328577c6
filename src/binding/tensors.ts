import { OutpostError, type RunResult } from "../contract/index.js";
import type { BodyLimits } from "../tasks/index.js";

/**
 * The tensor wire of the deprecated `@cloudflare/ai` SDK before 1.1 (the launch demos'
 * `^1.0.35`): `binding.fetch("…/run")` with a gzipped `{input: Tensor[]}` body, answered by
 * `{result: Tensor[]}`, whose tensors the SDK picks by name. That SDK renders chat templates
 * and stream formats per model on the client, so only the tasks whose tensors carry plain task
 * inputs are served here; the rest are refused by name, pointing at the SDK versions that work.
 */
interface Tensor {
  type: string;
  shape?: number[];
  name: string | null;
  value: unknown;
}

/** How one task's tensors map onto its inputs, and its result onto the tensors the SDK reads. */
interface TensorTask {
  /** Tensor name → input field. Tensors of shape [1] carry one value; the others their array. */
  inputs: Record<string, string>;
  /** Fields whose tensor is the whole array even when it holds one item. */
  arrays?: readonly string[];
  output(result: RunResult): Promise<Tensor[]>;
}

/** The SDK's SDXL, img2img and inpainting tensors; it reads the PNG from `output_image`. */
const textToImage: TensorTask = {
  inputs: { input_text: "prompt", negative_prompt: "negative_prompt", num_steps: "num_steps", strength: "strength", guidance: "guidance", image: "image", mask_image: "mask" },
  arrays: ["image", "mask"],
  async output(result) {
    const bytes = result.kind === "bytes" ? new Uint8Array(await new Response(result.body).arrayBuffer()) : undefined;
    if (!bytes) throw new OutpostError("INTERNAL", `Internal Error: text-to-image answered ${result.kind}, not bytes`);
    return [{ type: "uint8", shape: [bytes.length], name: "output_image", value: Array.from(bytes) }];
  },
};

/** The SDK reads `{shape, data}` from the `embeddings` tensor. */
const textEmbeddings: TensorTask = {
  inputs: { input_text: "text" },
  arrays: ["text"],
  async output(result) {
    const { shape, data } = json(result) as { shape: number[]; data: number[][] };
    return [{ type: "float32", shape, name: "embeddings", value: data }];
  },
};

/** These SDK tasks read their one string from a tensor literally named `name`. */
function oneString(inputs: Record<string, string>, field: string): TensorTask {
  return {
    inputs,
    async output(result) {
      return [{ type: "str", shape: [1], name: "name", value: [(json(result) as Record<string, unknown>)[field]] }];
    },
  };
}

const TENSOR_TASKS: Record<string, TensorTask> = {
  "text-to-image": textToImage,
  "text-embeddings": textEmbeddings,
  translation: oneString({ text: "text", source_lang: "source_lang", target_lang: "target_lang" }, "translated_text"),
  summarization: oneString({ input_text: "input_text", max_length: "max_length" }, "summary"),
  // The SDK sends the file as a uint8 `audio` tensor and keeps only the trimmed text.
  "speech-recognition": { ...oneString({ audio: "audio" }, "text"), arrays: ["audio"] },
};

function json(result: RunResult): unknown {
  if (result.kind !== "json") throw new OutpostError("INTERNAL", `Internal Error: expected a JSON result, not ${result.kind}`);
  return result.value;
}

function taskOf(task: string): TensorTask {
  const served = TENSOR_TASKS[task];
  if (!served) {
    throw new OutpostError(
      "INPUT_INVALID",
      `The @cloudflare/ai 1.0 tensor protocol is served for ${Object.keys(TENSOR_TASKS).join(", ")}; for ${task} use env.AI.run() or @cloudflare/ai 1.1 or later`,
    );
  }
  return served;
}

/** The forwarded URL of a 1.0 SDK session: `/run` with no `version` (the binding's own calls send one). */
export function isTensorSession(forwarded: string): boolean {
  try {
    const url = new URL(forwarded);
    return url.pathname === "/run" && !url.searchParams.has("version");
  } catch {
    return false;
  }
}

/** A task's body limits, deepened by the two levels (the `input` array, each tensor) the wire wraps around the inputs. */
export function tensorBodyLimits(limits: BodyLimits): BodyLimits {
  return { ...limits, maxDepth: limits.maxDepth + 2 };
}

/** The task inputs a tensor body carries, for a model of `task`; refused by name where they cannot be. */
export function tensorsToInputs(task: string, body: unknown): Record<string, unknown> {
  const { inputs: fields, arrays = [] } = taskOf(task);
  const tensors = (body as { input?: unknown } | null)?.input;
  if (!Array.isArray(tensors)) throw new OutpostError("REQUEST_INCOMPLETE", "Request is missing headers or body: input (an array of tensors)");
  if ((body as { stream?: unknown }).stream === true) throw new OutpostError("INPUT_INVALID", `Invalid input at '/stream': ${task} does not stream`);
  const inputs: Record<string, unknown> = {};
  tensors.forEach((tensor: unknown, i) => {
    const { name, value } = (tensor ?? {}) as Partial<Tensor>;
    const field = typeof name === "string" ? fields[name] : undefined;
    if (!field) throw new OutpostError("INPUT_INVALID", `Invalid input at '/input/${i}': no ${task} tensor is named ${JSON.stringify(name ?? null)}`);
    if (!Array.isArray(value)) throw new OutpostError("INPUT_INVALID", `Invalid input at '/input/${i}/value': expected an array`);
    // The SDK shapes byte tensors [1, n] over a flat array; a nested one is the same bytes.
    const flat = value.length === 1 && Array.isArray(value[0]) ? (value[0] as unknown[]) : value;
    inputs[field] = arrays.includes(field) ? flat : flat[0];
  });
  return inputs;
}

/** The result as the 1.0 SDK's response body: `{result: Tensor[]}`. */
export async function resultToTensors(task: string, result: RunResult): Promise<Response> {
  const tensors = await taskOf(task).output(result);
  return new Response(JSON.stringify({ result: tensors }), { headers: { "content-type": "application/json" } });
}
