import type { LlamaContextOptions, LlamaModelOptions } from "node-llama-cpp";
import type { GpuLayers } from "../../contract/index.js";

/**
 * The smallest context per sequence a GPU load shrinks to when the KV cache of the catalog's
 * full context does not fit beside the offloaded layers, in tokens.
 */
export const MIN_GPU_CONTEXT_TOKENS = 512;

/**
 * Layers to offload. `auto` fits them to the free VRAM (capped by the model's share of the VRAM
 * budget) leaving room for the KV cache of every slot's full context, so a model that does not
 * fit whole runs its remaining layers on the CPU rather than failing.
 */
export function gpuLayersOption(layers: GpuLayers, contextTokens: number | undefined, slots: number, embedding: boolean): LlamaModelOptions["gpuLayers"] {
  if (layers !== "auto") return layers;
  // No context in the catalog: the size to fit for is left to node-llama-cpp.
  return { fitContext: { contextSize: contextTokens === undefined ? undefined : contextTokens * slots, embeddingContext: embedding } };
}

/**
 * The context per sequence: on the CPU exactly the catalog's; on a GPU as much of it as fits,
 * down to MIN_GPU_CONTEXT_TOKENS, so the KV cache of all `slots` sequences fits the VRAM.
 */
export function contextSizeOption(onGpu: boolean, contextTokens: number): LlamaContextOptions["contextSize"] {
  return onGpu ? { min: Math.min(MIN_GPU_CONTEXT_TOKENS, contextTokens), max: contextTokens } : contextTokens;
}
