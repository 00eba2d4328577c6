import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { after, test } from "node:test";
import { envelopeResult } from "../helpers/http.js";
import { eventually, metric } from "../helpers/metrics.js";
import { postJson, startServer, STORIES, STORIES_EMBEDDINGS, type TestServer } from "../helpers/server.js";

/**
 * The GPU settings end to end. Where no GPU exists (this project's CI) they check the fallback:
 * `auto` and a named backend both serve on the CPU, report why in GET /api/system and
 * /metrics, and say it in one log line. `npm run test:gpu` runs this file with OUTPOST_GPU=cuda
 * on a machine with one, where the same requests must run on CUDA.
 */
// A GPU device node, not a library: Mesa's Vulkan drivers may be installed (lavapipe renders on
// the CPU), which node-llama-cpp counts as Vulkan support.
const renderNodes = existsSync("/dev/dri") ? readdirSync("/dev/dri").filter((name) => name.startsWith("renderD")) : [];
const noGpu = !existsSync("/proc/driver/nvidia/version") && renderNodes.length === 0 && !(process.platform === "darwin" && process.arch === "arm64");
/** The reasons `auto` gives on a machine with no GPU: no GPU library at all, or Mesa's Vulkan with no device. */
const NO_GPU = /^no GPU (device )?found \(node-llama-cpp/;
const expected = process.env.OUTPOST_GPU;

const servers: TestServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});
async function server(flags: Record<string, string> = {}): Promise<TestServer> {
  const s = await startServer(flags);
  servers.push(s);
  return s;
}

interface Report {
  library: string;
  requested: string;
  backend: string;
  devices: { name: string; vram?: { totalBytes: number; freeBytes: number } }[];
  fallbackReason?: string;
}
const llamaReport = async (s: TestServer): Promise<Report> => {
  const system = await envelopeResult<{ engines: Report[]; models: { model: string; vramBytes: number }[] }>(await fetch(`${s.url}/api/system`));
  return system.engines.find((e) => e.library === "llama.cpp")!;
};
const lines = (s: TestServer) => s.output().split("\n").filter((line) => line.startsWith("llama.cpp: "));

test("auto with no GPU serves on the CPU and says why once, in the log, /api/system and /metrics", { skip: !noGpu && "this machine has a GPU" }, async () => {
  const s = await server();
  const { fallbackReason: reason, ...report } = await llamaReport(s);
  assert.deepEqual(report, { library: "llama.cpp", requested: "auto", backend: "cpu", devices: [] });
  assert.match(reason!, NO_GPU);
  // Two models, so runners other than the first report too: the line stays one.
  assert.equal((await postJson(`${s.url}/ai/run/${STORIES}`, { prompt: "Once", max_tokens: 3 })).status, 200);
  assert.equal((await postJson(`${s.url}/ai/run/${STORIES_EMBEDDINGS}`, { text: ["a"] })).status, 200);
  assert.ok(await eventually(async () => (await metric(s.url, "outpost_model_loads_total", { model: STORIES_EMBEDDINGS })) === 1));
  assert.deepEqual(lines(s), [`llama.cpp: CPU, --gpu auto fell back to the CPU: ${reason}`]);
  assert.equal(await metric(s.url, "outpost_compute_backend_info", { library: "llama.cpp", backend: "cpu", requested: "auto", fallback: "1" }), 1);
  assert.equal(await metric(s.url, "outpost_model_vram_bytes", { model: STORIES }), 0);
});

test("--gpu cuda where CUDA cannot load falls back to the CPU, says why, and serves", { skip: !noGpu && "this machine has a GPU" }, async () => {
  const s = await server({ gpu: "cuda" });
  const report = await llamaReport(s);
  assert.equal(report.backend, "cpu");
  assert.equal(report.fallbackReason, "node-llama-cpp found no cuda driver and libraries on this machine");
  assert.equal(report.requested, "cuda");
  assert.equal((await postJson(`${s.url}/ai/run/${STORIES}`, { prompt: "Once", max_tokens: 3 })).status, 200);
  assert.deepEqual(lines(s), [`llama.cpp: CPU, --gpu cuda fell back to the CPU: ${report.fallbackReason}`]);
});

test("--gpu off is the CPU with no fallback to explain", async () => {
  const s = await server({ gpu: "off" });
  assert.deepEqual(await llamaReport(s), { library: "llama.cpp", requested: "off", backend: "cpu", devices: [] });
  assert.deepEqual(lines(s), ["llama.cpp: CPU, --gpu off"]);
});

test("on a GPU, the backend asked for is the one in use, with its devices, VRAM and each model's VRAM", { skip: noGpu && "no GPU on this machine" }, async () => {
  const s = await server();
  const report = await llamaReport(s);
  if (expected && expected !== "auto") assert.equal(report.backend, expected);
  assert.notEqual(report.backend, "cpu", report.fallbackReason);
  assert.ok(report.devices.length > 0 && report.devices[0]!.vram!.totalBytes > 0);
  assert.equal((await postJson(`${s.url}/ai/run/${STORIES}`, { prompt: "Once", max_tokens: 3 })).status, 200);
  assert.ok((await metric(s.url, "outpost_model_vram_bytes", { model: STORIES })) > 0);
});
