import { getLlamaGpuTypes, type Llama, type LlamaGpuType } from "node-llama-cpp";
import type { ComputeReport, GpuMode } from "../../contract/index.js";
import { startLlama } from "./binary-verdict.js";

export interface LlamaBackend {
  llama: Llama;
  /** The binary test was skipped on a recorded verdict (binary-verdict.ts). */
  fromVerdict: boolean;
  /** Why the CPU is used although `mode` allowed a GPU. */
  fallbackReason: string | undefined;
}

/**
 * node-llama-cpp for `--gpu mode`: `auto` is node-llama-cpp's own choice (CUDA, Vulkan or Metal
 * where their drivers and libraries are found, else CPU); a named backend that cannot load
 * falls back to the CPU. Either way the reason travels with the report, and the server logs it.
 */
export async function startBackend(mode: GpuMode, cacheDir: string): Promise<LlamaBackend> {
  if (mode === "off") return { ...(await startLlama(false, cacheDir)), fallbackReason: undefined };
  const requested: LlamaGpuType | "auto" = mode;
  try {
    const started = await startLlama(requested, cacheDir, noDevice);
    if (started.llama.gpu !== false) return { ...started, fallbackReason: undefined };
    return { ...started, fallbackReason: await whyNoGpu() };
  } catch (error) {
    return { ...(await startLlama(false, cacheDir)), fallbackReason: await whyNot(mode, error as Error) };
  }
}

/**
 * A GPU backend with no device is refused: with only Mesa's Vulkan drivers installed (lavapipe
 * renders on the CPU) node-llama-cpp's `auto` picks Vulkan, which then offers llama.cpp nothing.
 */
async function noDevice(llama: Llama): Promise<string | undefined> {
  if (llama.gpu === false || (await llama.getGpuDeviceNames()).length > 0) return undefined;
  return `no GPU device found (node-llama-cpp's ${llama.gpu} backend loaded but lists none; a software driver such as Mesa's lavapipe is not one)`;
}

/** Why a backend did not start: not found, or found and its binary would not load, or the reason it was refused. */
async function whyNot(mode: GpuMode, error: Error): Promise<string> {
  // NoBinaryFoundError carries no message of its own; any other error says what went wrong.
  if (error.message && error.message !== "NoBinaryFoundError") return error.message;
  if (mode === "auto") return whyNoGpu();
  const found = (await getLlamaGpuTypes("supported")).includes(mode as LlamaGpuType);
  if (!found) return `node-llama-cpp found no ${mode} driver and libraries on this machine`;
  return `node-llama-cpp's prebuilt ${mode} binary did not load on this machine`;
}

/** Why `auto` ended on the CPU, in terms of what node-llama-cpp looks for. */
async function whyNoGpu(): Promise<string> {
  const found = (await getLlamaGpuTypes("supported")).filter((type) => type !== false);
  if (found.length === 0) return "no GPU found (node-llama-cpp detected no CUDA driver and runtime, Vulkan loader or Metal)";
  return `${found.join(", ")} found, but its prebuilt binary did not load on this machine`;
}

/** The report for /api/system: devices and VRAM as llama.cpp sees them now. */
export async function llamaCompute(backend: LlamaBackend, mode: GpuMode): Promise<ComputeReport> {
  const { llama } = backend;
  const report: ComputeReport = { library: "llama.cpp", requested: mode, backend: llama.gpu || "cpu", devices: [] };
  if (backend.fallbackReason) report.fallbackReason = backend.fallbackReason;
  if (llama.gpu === false) return report;
  const [names, vram] = await Promise.all([llama.getGpuDeviceNames(), llama.getVramState()]);
  report.devices = names.map((name, index) => (index === 0 ? { name, vram: { totalBytes: vram.total, usedBytes: vram.used, freeBytes: vram.free } } : { name }));
  return report;
}
