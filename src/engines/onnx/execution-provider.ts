import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ComputeReport, GpuMode } from "../../contract/index.js";

/** What decides whether onnxruntime-node can run on CUDA here. */
export interface OnnxMachine {
  platform: NodeJS.Platform;
  arch: string;
  /** onnxruntime-node's CUDA provider library sits beside its binding (it is downloaded at install only on request). */
  cudaProviderInstalled: boolean;
  /** An NVIDIA kernel driver is loaded. */
  nvidiaDriver: boolean;
}

export interface OnnxChoice {
  provider: "cuda" | "cpu";
  fallbackReason?: string;
}

/**
 * The execution provider the ONNX engines ask for under `--gpu mode`. onnxruntime-node ships
 * CUDA only for Linux x64, and its CUDA libraries only when installed with
 * ONNXRUNTIME_NODE_INSTALL=cuda12; Vulkan and Metal it has none of.
 */
export function chooseExecutionProvider(mode: GpuMode, machine: OnnxMachine): OnnxChoice {
  if (mode === "off") return { provider: "cpu" };
  if (mode === "vulkan" || mode === "metal") return { provider: "cpu", fallbackReason: `onnxruntime-node has no ${mode} execution provider` };
  if (machine.platform !== "linux" || machine.arch !== "x64") return { provider: "cpu", fallbackReason: `onnxruntime-node runs CUDA only on Linux x64` };
  if (!machine.cudaProviderInstalled) {
    return { provider: "cpu", fallbackReason: `onnxruntime-node's CUDA provider is not installed (npm install with ONNXRUNTIME_NODE_INSTALL=cuda12)` };
  }
  if (!machine.nvidiaDriver) return { provider: "cpu", fallbackReason: "no NVIDIA driver is loaded" };
  return { provider: "cuda" };
}

/** This machine, as chooseExecutionProvider needs it. */
export function thisMachine(): OnnxMachine {
  const require = createRequire(import.meta.url);
  // dist/index.js → bin/napi-v6/<platform>/<arch>/, where the binding and its provider libraries are.
  const bin = join(dirname(dirname(require.resolve("onnxruntime-node"))), "bin", "napi-v6", process.platform, process.arch);
  return {
    platform: process.platform,
    arch: process.arch,
    cudaProviderInstalled: existsSync(join(bin, "libonnxruntime_providers_cuda.so")),
    nvidiaDriver: existsSync("/proc/driver/nvidia/version"),
  };
}

/**
 * Runs `load` on the chosen provider; if CUDA fails to start (its CUDA or cuDNN libraries
 * missing), once more on the CPU, the error becoming the fallback reason.
 */
export async function loadOnProvider<T>(choice: OnnxChoice, load: (provider: "cuda" | "cpu") => Promise<T>): Promise<{ loaded: T; choice: OnnxChoice }> {
  if (choice.provider === "cpu") return { loaded: await load("cpu"), choice };
  try {
    return { loaded: await load("cuda"), choice };
  } catch (error) {
    return { loaded: await load("cpu"), choice: { provider: "cpu", fallbackReason: `CUDA execution provider failed to start: ${(error as Error).message}` } };
  }
}

export function onnxCompute(mode: GpuMode, choice: OnnxChoice): ComputeReport {
  const report: ComputeReport = { library: "onnxruntime", requested: mode, backend: choice.provider, devices: [] };
  if (choice.fallbackReason) report.fallbackReason = choice.fallbackReason;
  return report;
}
