import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseExecutionProvider, loadOnProvider, thisMachine, type OnnxMachine } from "./execution-provider.js";

// A machine with onnxruntime-node's CUDA provider and an NVIDIA driver is a stand-in: this one has neither.
const cudaMachine: OnnxMachine = { platform: "linux", arch: "x64", cudaProviderInstalled: true, nvidiaDriver: true };

test("CUDA where onnxruntime-node's provider and an NVIDIA driver are present, for auto and cuda", () => {
  assert.deepEqual(chooseExecutionProvider("auto", cudaMachine), { provider: "cuda" });
  assert.deepEqual(chooseExecutionProvider("cuda", cudaMachine), { provider: "cuda" });
  assert.deepEqual(chooseExecutionProvider("off", cudaMachine), { provider: "cpu" });
});

test("the CPU otherwise, with the reason", () => {
  assert.deepEqual(chooseExecutionProvider("auto", { ...cudaMachine, cudaProviderInstalled: false }), {
    provider: "cpu",
    fallbackReason: "onnxruntime-node's CUDA provider is not installed (npm install with ONNXRUNTIME_NODE_INSTALL=cuda12)",
  });
  assert.deepEqual(chooseExecutionProvider("cuda", { ...cudaMachine, nvidiaDriver: false }), { provider: "cpu", fallbackReason: "no NVIDIA driver is loaded" });
  assert.deepEqual(chooseExecutionProvider("auto", { ...cudaMachine, platform: "darwin", arch: "arm64" }), { provider: "cpu", fallbackReason: "onnxruntime-node runs CUDA only on Linux x64" });
  assert.deepEqual(chooseExecutionProvider("vulkan", cudaMachine), { provider: "cpu", fallbackReason: "onnxruntime-node has no vulkan execution provider" });
});

test("this machine has no CUDA provider installed, so auto runs ONNX models on the CPU", () => {
  assert.equal(chooseExecutionProvider("auto", thisMachine()).provider, "cpu");
});

test("a CUDA provider that fails to start is retried on the CPU, its error the reason", async () => {
  const tried: string[] = [];
  const { loaded, choice } = await loadOnProvider({ provider: "cuda" }, async (provider) => {
    tried.push(provider);
    if (provider === "cuda") throw new Error("libcudnn.so.9: cannot open shared object file");
    return "session";
  });
  assert.deepEqual(tried, ["cuda", "cpu"]);
  assert.equal(loaded, "session");
  assert.deepEqual(choice, { provider: "cpu", fallbackReason: "CUDA execution provider failed to start: libcudnn.so.9: cannot open shared object file" });
});
