/** The `--gpu` setting: which GPU backend the engines try, or none. */
export type GpuMode = "auto" | "cuda" | "vulkan" | "metal" | "off";

/** `--gpu-layers`: as many layers as fit, all of them, or a count. */
export type GpuLayers = "auto" | "max" | number;

export interface VramState {
  totalBytes: number;
  usedBytes: number;
  freeBytes: number;
}

/** A GPU as an engine's library sees it. */
export interface ComputeDevice {
  name: string;
  /**
   * Its memory. node-llama-cpp reports one total over all the GPUs it uses, so with several
   * devices only the first carries it and the others have none.
   */
  vram?: VramState;
}

/** What one engine library computes on, as a runner found it. */
export interface ComputeReport {
  /** `llama.cpp` or `onnxruntime`. */
  library: string;
  requested: GpuMode;
  /** `cuda`, `vulkan`, `metal` or `cpu`. */
  backend: string;
  devices: ComputeDevice[];
  /** Why the CPU is used although `requested` allowed a GPU; absent when nothing fell back. */
  fallbackReason?: string;
}

/** `GET /api/system`: the GPU settings, what each engine library computes on, and VRAM per loaded model. */
export interface SystemReport {
  gpu: GpuMode;
  gpuLayers: string;
  /** The VRAM budget in effect: the setting, else the total VRAM the GPU backend reports; 0 on the CPU. */
  vramBudgetBytes: number;
  /** One per engine library a runner has reported; llama.cpp's is probed when none has yet. */
  engines: ComputeReport[];
  models: { model: string; loaded: boolean; memoryBytes: number; vramBytes: number }[];
}
