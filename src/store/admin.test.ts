import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Catalog } from "../catalog/index.js";
import { OutpostError } from "../contract/index.js";
import { startFileServer } from "../../test/helpers/file-server.js";
import { MODEL_MIRROR, STORIES } from "../../test/helpers/server.js";
import { StoreAdmin } from "./admin.js";
import { customEntry, loadCustomModels } from "./custom.js";
import { ModelStore } from "./store.js";

const STORIES_FILE = join(MODEL_MIRROR, "stories260K.gguf");
const STORIES_SHA = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";

function setup(t: { after(fn: () => unknown): void }, mirrorDir = "") {
  const dataDir = mkdtempSync(join(tmpdir(), "outpost-admin-"));
  const catalog = new Catalog(new Set(["llama"]));
  const store = new ModelStore({ dataDir, mirrorDir, retryDelayMs: 10 });
  t.after(() => {
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { dataDir, catalog, store, admin: new StoreAdmin(catalog, store) };
}

test("models add copies a local file in, pins its sha256, registers and persists the name", async (t) => {
  const { dataDir, catalog, store, admin } = setup(t);
  const entry = await admin.add({ name: "my-story", source: STORIES_FILE, task: "text-generation", template: "bare" }, "/");
  assert.equal(entry.artifact?.sha256, STORIES_SHA);
  assert.equal(entry.artifact?.sizeBytes, 1185376);
  assert.equal(catalog.runnable("my-story"), entry);
  assert.equal(await store.resolve(entry), join(dataDir, "blobs", `sha256-${STORIES_SHA}`));
  // A restarted process finds it again.
  const [saved] = loadCustomModels(store.layout);
  assert.deepEqual(customEntry(saved!), { ...entry, createdAt: saved!.addedAt });
  const local = await admin.local();
  assert.deepEqual(
    local.map((m) => [m.model, m.location, m.custom]),
    [["my-story", "store", true]],
  );
  assert.equal(await admin.remove("my-story"), true);
  assert.equal(catalog.find("my-story"), undefined);
  assert.deepEqual(loadCustomModels(store.layout), []);
  assert.equal(existsSync(join(dataDir, "blobs", `sha256-${STORIES_SHA}`)), false);
});

test("models add from a URL pulls it; a failed add registers nothing", async (t) => {
  const server = await startFileServer();
  t.after(() => server.close());
  server.serve("/files/story.gguf", STORIES_FILE);
  server.serve("/files/broken.gguf", STORIES_FILE, { status: 404 });
  const { catalog, store, admin } = setup(t);
  let progressSeen = false;
  const entry = await admin.add({ name: "@me/story", source: `${server.url}/files/story.gguf`, task: "text-generation" }, "/", (pull) => {
    progressSeen = pull.model === "@me/story";
  });
  assert.ok(progressSeen);
  assert.equal(entry.artifact?.url, `${server.url}/files/story.gguf`);
  assert.equal(entry.chatTemplate, "gguf");
  const error = await admin.add({ name: "broken", source: `${server.url}/files/broken.gguf`, task: "text-generation" }, "/").catch((e: unknown) => e);
  assert.ok(error instanceof OutpostError && error.code === "PULL_FAILED", String(error));
  assert.match(error.message, /HTTP 404/);
  assert.equal(catalog.find("broken"), undefined);
  assert.deepEqual(
    loadCustomModels(store.layout).map((r) => r.name),
    ["@me/story"],
  );
});

test("a custom model cannot take a catalog id, and hostile names never reach the disk", async (t) => {
  const { admin } = setup(t);
  const fail = async (promise: Promise<unknown>, code: string, message: RegExp) => {
    const error = await promise.catch((e: unknown) => e);
    assert.ok(error instanceof OutpostError && error.code === code, String(error));
    assert.match(error.message, message);
  };
  await fail(admin.add({ name: STORIES, source: STORIES_FILE, task: "text-generation" }, "/"), "INPUT_INVALID", /is a catalog model/);
  await fail(admin.add({ name: "../../x", source: STORIES_FILE, task: "text-generation" }, "/"), "INPUT_INVALID", /Invalid model name/);
  assert.throws(() => admin.pull("../../etc/passwd"), (e: unknown) => e instanceof OutpostError && e.code === "INPUT_INVALID");
  assert.throws(() => admin.pull("@cf/no/such-model"), (e: unknown) => e instanceof OutpostError && e.code === "MODEL_NOT_FOUND");
  assert.throws(() => admin.pull("@cf/unum/uform-gen2-qwen-500m"), (e: unknown) => e instanceof OutpostError && e.code === "ENGINE_UNAVAILABLE");
  await fail(admin.remove("/etc/passwd"), "INPUT_INVALID", /Invalid model name/);
});

test("local lists mirror-only models too, and remove leaves the mirror alone", async (t) => {
  const { admin } = setup(t, MODEL_MIRROR);
  const local = await admin.local();
  const stories = local.find((m) => m.model === STORIES);
  assert.equal(stories?.location, "mirror");
  assert.equal(stories?.sizeBytes, 1185376);
  assert.equal(await admin.remove(STORIES), false);
  assert.ok(existsSync(STORIES_FILE));
});
