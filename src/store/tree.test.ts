import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { CatalogEntry } from "../catalog/index.js";
import { OutpostError } from "../contract/index.js";
import { startFileServer } from "../../test/helpers/file-server.js";
import { MODEL_MIRROR } from "../../test/helpers/server.js";
import { ModelStore } from "./store.js";
import { sha256File } from "./tree.js";

/** The random-weight Stable Diffusion stand-in: a diffusers folder of 15 files. */
const SD_TINY = join(MODEL_MIRROR, "standins", "sd-tiny");
const FILES = readFileSync(join(MODEL_MIRROR, "standins", "SHA256SUMS"), "utf8")
  .split("\n")
  .filter((line) => line.includes("  sd-tiny/"))
  .map((line) => {
    const [sha256 = "", name = ""] = line.split("  ");
    const path = name.slice("sd-tiny/".length);
    return { path, sha256, sizeBytes: statSync(join(SD_TINY, path)).size };
  });

const entry = (files = FILES): CatalogEntry => ({
  id: "@test/sd-tiny",
  task: "text-to-image",
  description: "",
  engine: "diffusion",
  contextTokens: 77,
  maxTokensDefault: 0,
  maxTokensStreamDefault: 0,
  chatTemplate: "bare",
  properties: {},
  artifact: { fileName: "standins/sd-tiny", huggingFace: { repo: "test/sd-tiny", path: "onnx" }, files },
});

function dataDir(t: { after(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "outpost-tree-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("a multi-file model in the mirror resolves to its folder once every file checks out", async (t) => {
  const store = new ModelStore({ dataDir: dataDir(t), mirrorDir: MODEL_MIRROR });
  assert.ok(FILES.length >= 10 && FILES.some((f) => f.path === "unet/model.onnx"));
  assert.equal(await store.resolve(entry()), SD_TINY);
  const wrong = FILES.map((f) => (f.path === "vae_decoder/model.onnx" ? { ...f, sha256: "0".repeat(64) } : f));
  const error = await store.resolve(entry(wrong)).catch((e: unknown) => e);
  assert.ok(error instanceof OutpostError && error.code === "MODEL_NOT_LOCAL", String(error));
  assert.match(error.message, /vae_decoder\/model\.onnx does not match sha256/);
});

test("a multi-file pull stores every file verified, resumes at the file it stopped at, and resolves to a folder", async (t) => {
  const server = await startFileServer();
  t.after(() => server.close());
  const at = (path: string) => `/test/sd-tiny/resolve/main/onnx/${path}`;
  for (const file of FILES) server.serve(at(file.path), join(SD_TINY, file.path));
  server.setFaults(at("unet/model.onnx"), { status: 503 });
  const dir = dataDir(t);
  const open = () => new ModelStore({ dataDir: dir, mirrorDir: "", hfEndpoint: server.url, attempts: 1, retryDelayMs: 1 });

  const first = open();
  await assert.rejects(first.pull(entry()).done);
  first.close();
  const before = new Set(server.requests.filter((r) => r.status === 200).map((r) => r.path));
  assert.ok(before.size > 0 && !before.has(at("unet/model.onnx")));

  server.setFaults(at("unet/model.onnx"), {});
  const store = open();
  t.after(() => store.close());
  await store.pull(entry()).done;
  const again = server.requests.filter((r) => r.status === 200).map((r) => r.path);
  // vae_encoder/config.json and vae_decoder/config.json are the same bytes: one blob, one download.
  assert.equal(again.length, new Set(FILES.map((f) => f.sha256)).size, "each blob was fetched whole exactly once over both pulls");

  const folder = await store.resolve(entry());
  assert.equal(folder, join(dir, "trees", "@test", "sd-tiny"));
  for (const file of FILES) assert.equal(await sha256File(join(folder, file.path)), file.sha256, file.path);
  const manifest = JSON.parse(readFileSync(join(dir, "manifests", "@test", "sd-tiny.json"), "utf8")) as { files: { path: string; digest: string }[]; sizeBytes: number };
  assert.deepEqual(manifest.files.map((f) => [f.path, f.digest]), FILES.map((f) => [f.path, `sha256:${f.sha256}`]));
  assert.equal(manifest.sizeBytes, FILES.reduce((sum, f) => sum + f.sizeBytes, 0));

  assert.equal(await store.remove("@test/sd-tiny"), true);
  assert.equal(existsSync(folder), false);
  for (const file of FILES) assert.equal(existsSync(join(dir, "blobs", `sha256-${file.sha256}`)), false, file.path);
});
