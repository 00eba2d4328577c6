import assert from "node:assert/strict";
import { test } from "node:test";
import type { ComputeReport } from "../contract/index.js";
import { ComputeReports, computeLine } from "./compute.js";

const cpuFallback: ComputeReport = { library: "llama.cpp", requested: "auto", backend: "cpu", devices: [], fallbackReason: "no GPU found" };

test("the log line names the backend, the setting and why it fell back", () => {
  assert.equal(computeLine(cpuFallback), "llama.cpp: CPU, --gpu auto fell back to the CPU: no GPU found");
  assert.equal(computeLine({ library: "llama.cpp", requested: "off", backend: "cpu", devices: [] }), "llama.cpp: CPU, --gpu off");
  // A stand-in for a GPU report: no GPU exists on this machine.
  const gpu: ComputeReport = { library: "llama.cpp", requested: "auto", backend: "cuda", devices: [{ name: "NVIDIA H100", vram: { totalBytes: 80e9, usedBytes: 1e9, freeBytes: 79e9 } }] };
  assert.equal(computeLine(gpu), "llama.cpp: cuda (NVIDIA H100), --gpu auto");
});

test("each library is logged once, however many runners report it, and the latest report is kept", async () => {
  const lines: string[] = [];
  const reports = new ComputeReports((line) => lines.push(line));
  const first = reports.first("llama.cpp");
  reports.record(cpuFallback);
  reports.record({ ...cpuFallback });
  reports.record({ library: "onnxruntime", requested: "auto", backend: "cpu", devices: [], fallbackReason: "no NVIDIA driver is loaded" });
  assert.equal(lines.length, 2);
  assert.deepEqual(await first, cpuFallback);
  assert.deepEqual(reports.list().map((r) => r.library), ["llama.cpp", "onnxruntime"]);
});
