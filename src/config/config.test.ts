import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { describeSettings, loadConfig } from "./index.js";

test("flags win over the environment, which wins over defaults", () => {
  const env = { OUTPOST_PORT: "9000", OUTPOST_HOST: "0.0.0.0" };
  const config = loadConfig({ port: "9100" }, env);
  assert.equal(config.port, 9100);
  assert.equal(config.host, "0.0.0.0");
  assert.equal(config.slots, 4);
});

test("a malformed number is refused, naming both the variable and the flag", () => {
  assert.throws(() => loadConfig({}, { OUTPOST_SLOTS: "four" }), /OUTPOST_SLOTS \/ --slots must be a non-negative integer, got 'four'/);
});

test("the README's configuration table lists every setting", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  for (const setting of describeSettings()) assert.ok(readme.includes(`| \`${setting.flag}\` | \`${setting.env}\` |`), `${setting.env} is missing from README.md`);
});

test("the Hugging Face settings fall back to huggingface_hub's variables, which OUTPOST_ ones override", () => {
  assert.equal(loadConfig({}, {}).hfEndpoint, "https://huggingface.co");
  assert.equal(loadConfig({}, { HF_ENDPOINT: "http://hf.internal" }).hfEndpoint, "http://hf.internal");
  assert.equal(loadConfig({}, { HF_TOKEN: "a", OUTPOST_HF_TOKEN: "b" }).hfToken, "b");
  assert.equal(loadConfig({ "hf-token": "c" }, { HF_TOKEN: "a" }).hfToken, "c");
});

test("aliases: outpost.json in the working directory, then the setting, which wins per id", async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { loadAliases, parseAliases } = await import("./index.js");
  const dir = mkdtempSync(join(tmpdir(), "outpost-config-"));
  try {
    assert.deepEqual([...loadAliases({ aliases: "" }, dir)], []);
    writeFileSync(join(dir, "outpost.json"), JSON.stringify({ aliases: { "@cf/a/x": "@cf/b/y", "@cf/a/z": "@cf/b/y" } }));
    assert.deepEqual([...loadAliases({ aliases: "@cf/a/x=@cf/b/w, @cf/a/v=@cf/b/y" }, dir)], [["@cf/a/x", "@cf/b/w"], ["@cf/a/z", "@cf/b/y"], ["@cf/a/v", "@cf/b/y"]]);
    writeFileSync(join(dir, "outpost.json"), "{ nope");
    assert.throws(() => loadAliases({ aliases: "" }, dir), /outpost\.json: not JSON/);
    assert.throws(() => parseAliases("@cf/a/x"), /'@cf\/a\/x' is not <id>=<model>/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("plugins: outpost.json's first, paths relative to it, then the setting's; a bad fail mode or entry throws", async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join, resolve } = await import("node:path");
  const { loadPlugins } = await import("./index.js");
  const dir = mkdtempSync(join(tmpdir(), "outpost-config-"));
  try {
    assert.deepEqual(loadPlugins({ plugins: "" }, dir), []);
    writeFileSync(join(dir, "outpost.json"), JSON.stringify({ plugins: ["p/a.mjs", { path: "/abs/b.mjs", failMode: "closed" }] }));
    assert.deepEqual(loadPlugins({ plugins: "c.mjs=closed, d.mjs" }, dir), [
      { path: join(dir, "p/a.mjs"), failMode: "open" },
      { path: "/abs/b.mjs", failMode: "closed" },
      { path: resolve("c.mjs"), failMode: "closed" },
      { path: resolve("d.mjs"), failMode: "open" },
    ]);
    assert.throws(() => loadPlugins({ plugins: "c.mjs=shut" }, dir), /plugin c\.mjs: fail mode must be open or closed, got 'shut'/);
    writeFileSync(join(dir, "outpost.json"), JSON.stringify({ plugins: [42] }));
    assert.throws(() => loadPlugins({ plugins: "" }, dir), /plugin 42 is neither a path nor/);
    writeFileSync(join(dir, "outpost.json"), JSON.stringify({ plugins: "a.mjs" }));
    assert.throws(() => loadPlugins({ plugins: "" }, dir), /"plugins" must be a list/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the GPU settings take only their values, and reach a runner through its environment with the run timeout", async () => {
  const { engineSettings, runnerEnvironment } = await import("./index.js");
  assert.equal(loadConfig({}, {}).gpu, "auto");
  assert.throws(() => loadConfig({ gpu: "rocm" }, {}), /OUTPOST_GPU \/ --gpu must be auto, cuda, vulkan, metal or off, got 'rocm'/);
  assert.throws(() => loadConfig({}, { OUTPOST_GPU_LAYERS: "half" }), /--gpu-layers must be auto, max or a number of layers/);
  const server = loadConfig({ gpu: "cuda", "gpu-layers": "20", "data-dir": "/data", "run-timeout-ms": "5000" }, {});
  const runner = loadConfig({}, runnerEnvironment(server));
  assert.deepEqual(engineSettings(runner), { gpu: "cuda", gpuLayers: 20, cacheDir: "/data/cache" });
  assert.equal(runner.runTimeoutMs, 5_000);
});
