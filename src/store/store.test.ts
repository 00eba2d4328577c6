import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { Catalog, type CatalogEntry } from "../catalog/index.js";
import { OutpostError } from "../contract/index.js";
import { startFileServer, type FileServer } from "../../test/helpers/file-server.js";
import { MODEL_MIRROR, STORIES, STORIES_EMBEDDINGS } from "../../test/helpers/server.js";
import { ModelStore, type StoreOptions } from "./store.js";
import { sha256File } from "./tree.js";

const catalog = new Catalog(new Set(["llama"]));
const stories = catalog.get(STORIES);
const storiesEmbeddings = catalog.get(STORIES_EMBEDDINGS);
const STORIES_FILE = join(MODEL_MIRROR, "stories260K.gguf");
const STORIES_SHA = stories.artifact!.sha256!;
const STORIES_SIZE = stories.artifact!.sizeBytes!;
/** Where the catalog's Hugging Face artifact resolves on the test endpoint. */
const HF_PATH = "/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf";

interface Setup {
  server: FileServer;
  dataDir: string;
  store: ModelStore;
  /** Another store on the same data dir: a restarted process, or a second one. */
  reopen(options?: Partial<StoreOptions>): ModelStore;
}

async function setup(t: { after(fn: () => unknown): void }, options: Partial<StoreOptions> = {}, faults = {}): Promise<Setup> {
  const server = await startFileServer();
  server.serve(HF_PATH, STORIES_FILE, faults);
  const dataDir = mkdtempSync(join(tmpdir(), "outpost-store-"));
  const stores: ModelStore[] = [];
  const reopen = (more: Partial<StoreOptions> = {}) => {
    const store = new ModelStore({ dataDir, mirrorDir: "", hfEndpoint: server.url, retryDelayMs: 10, ...options, ...more });
    stores.push(store);
    return store;
  };
  t.after(async () => {
    stores.forEach((s) => s.close());
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { server, dataDir, store: reopen(), reopen };
}

const blobPath = (dataDir: string) => join(dataDir, "blobs", `sha256-${STORIES_SHA}`);
const partialPath = (dataDir: string) => join(dataDir, "partials", `sha256-${STORIES_SHA}.partial`);

async function rejectsWith(promise: Promise<unknown>, code: string, message?: RegExp): Promise<OutpostError> {
  const error = await promise.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof OutpostError, String(error));
  assert.equal(error.code, code, error.message);
  if (message) assert.match(error.message, message);
  return error;
}

test("pulls from the Hugging Face endpoint into a content-addressed blob with a manifest", async (t) => {
  const { server, dataDir, store } = await setup(t);
  const pull = store.pull(stories);
  assert.equal(await pull.done, `sha256:${STORIES_SHA}`);
  assert.equal(await sha256File(blobPath(dataDir)), STORIES_SHA);
  const manifest = JSON.parse(readFileSync(join(dataDir, "manifests/@cf/karpathy/tinyllamas-stories-260k.json"), "utf8"));
  assert.equal(manifest.digest, `sha256:${STORIES_SHA}`);
  assert.equal(manifest.sizeBytes, STORIES_SIZE);
  assert.equal(manifest.source, `${server.url}${HF_PATH}`);
  assert.equal(await store.resolve(stories), blobPath(dataDir));
  assert.deepEqual(readdirSync(join(dataDir, "partials")), []);
  assert.deepEqual(server.requests.map((r) => [r.path, r.range, r.status]), [[HF_PATH, undefined, 200]]);
  const status = pull.status();
  assert.equal(status.state, "done");
  assert.equal(status.completedBytes, STORIES_SIZE);
  assert.equal(status.totalBytes, STORIES_SIZE);
  // Pulling what is stored downloads nothing.
  assert.equal(await store.pull(stories).done, `sha256:${STORIES_SHA}`);
  assert.equal(server.requests.length, 1);
});

test("a connection cut mid-file is resumed with a Range request from where it stopped", async (t) => {
  const { server, dataDir, store } = await setup(t, {}, { cutAfterBytes: 300_000, cutTimes: 1 });
  await store.pull(stories).done;
  assert.deepEqual(
    server.requests.map((r) => r.status),
    [200, 206],
  );
  // fetch may drop the last bytes it had buffered when the link died; the resume starts after what reached the disk.
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(server.requests[1]?.range ?? "")?.[1]);
  assert.ok(resumedAt > 200_000 && resumedAt <= 300_000, `resumed at ${resumedAt}`);
  assert.ok(server.requests[1]?.ifRange, "a resume sends If-Range");
  assert.equal(await sha256File(blobPath(dataDir)), STORIES_SHA);
});

test("a pull that keeps failing keeps its partial, never loads it, and the next process resumes it", async (t) => {
  const { server, dataDir, store, reopen } = await setup(t, { attempts: 2 }, { cutAfterBytes: 400_000 });
  await rejectsWith(store.pull(stories).done, "PULL_FAILED", /failed after \d+ of 1185376 bytes/);
  const kept = statSync(partialPath(dataDir)).size;
  assert.ok(kept > 400_000 && kept <= 800_000, `two attempts of at most 400000 bytes each kept ${kept}`);
  assert.equal(existsSync(blobPath(dataDir)), false);
  await rejectsWith(store.resolve(stories), "MODEL_NOT_LOCAL", /outpost pull/);
  assert.deepEqual(
    readdirSync(join(dataDir, "partials")).filter((n) => n.endsWith(".lock")),
    [],
    "the lock is released",
  );

  server.setFaults(HF_PATH, {});
  const restarted = reopen();
  await restarted.pull(stories).done;
  assert.equal(server.requests.at(-1)?.range, `bytes=${kept}-`);
  assert.equal(server.requests.at(-1)?.status, 206);
  assert.equal(await sha256File(blobPath(dataDir)), STORIES_SHA);
  assert.equal(existsSync(partialPath(dataDir)), false);
});

test("corrupted bytes are caught by sha256 and discarded, and the next pull starts over", async (t) => {
  const { server, dataDir, store } = await setup(t, {}, { corruptAt: 1_000 });
  await rejectsWith(store.pull(stories).done, "PULL_FAILED", new RegExp(`corrupted: its sha256 is not the expected ${STORIES_SHA}; the bytes were discarded$`));
  assert.equal(existsSync(blobPath(dataDir)), false);
  assert.equal(existsSync(partialPath(dataDir)), false);
  assert.equal(existsSync(join(dataDir, "manifests/@cf/karpathy/tinyllamas-stories-260k.json")), false);
  await rejectsWith(store.resolve(stories), "MODEL_NOT_LOCAL");

  server.setFaults(HF_PATH, {});
  await store.pull(stories).done;
  assert.equal(server.requests.at(-1)?.range, undefined, "no resume from discarded bytes");
  assert.equal(await store.resolve(stories), blobPath(dataDir));
});

test("a failed pull names the URL it tried once, before what went wrong", async (t) => {
  const { server, store } = await setup(t, { attempts: 1 });
  server.serve(HF_PATH, STORIES_FILE, { status: 404 });
  const error = await rejectsWith(store.pull(stories).done, "PULL_FAILED");
  assert.equal(error.message, `Could not pull stories260K.gguf: ${server.url}${HF_PATH}: answered HTTP 404`);
});

test("pull and resolve errors name files by where they are, never by the server's directories", async (t) => {
  const mirror = mkdtempSync(join(tmpdir(), "outpost-mirror-"));
  t.after(() => rmSync(mirror, { recursive: true, force: true }));
  writeFileSync(join(mirror, "stories260K.gguf"), "not the model");
  const { server, dataDir, store } = await setup(t, { mirrorDir: mirror, attempts: 1 });
  server.serve(HF_PATH, STORIES_FILE, { status: 404 });
  const pulled = await rejectsWith(store.pull(stories).done, "PULL_FAILED");
  assert.equal(
    pulled.message,
    `Could not pull stories260K.gguf: the mirror's stories260K.gguf: serves 13 bytes, expected 1185376; ${server.url}${HF_PATH}: answered HTTP 404`,
  );
  const resolved = await rejectsWith(store.resolve(stories), "MODEL_NOT_LOCAL", /the mirror's stories260K\.gguf is 13 bytes/);
  rmSync(join(mirror, "stories260K.gguf"));
  const missing = await rejectsWith(store.resolve(stories), "MODEL_NOT_LOCAL", /looked for stories260K\.gguf in the model mirror and .* in the store/);
  for (const message of [pulled.message, resolved.message, missing.message]) {
    assert.ok(!message.includes(mirror) && !message.includes(dataDir), message);
  }
});

test("a source serving a file of another size is refused before anything is written", async (t) => {
  const { server, dataDir, store } = await setup(t);
  server.serve(HF_PATH, join(MODEL_MIRROR, "TinyStories-656K-Q8_0.gguf"));
  await rejectsWith(store.pull(stories).done, "PULL_FAILED", /serves 749216 bytes, expected 1185376/);
  assert.equal(existsSync(partialPath(dataDir)), false);
  assert.equal(existsSync(blobPath(dataDir)), false);
});

test("a server that ignores Range makes the pull restart the file rather than append to it", async (t) => {
  const { server, dataDir, store } = await setup(t, {}, { cutAfterBytes: 200_000, cutTimes: 1, ignoreRange: true });
  await store.pull(stories).done;
  assert.deepEqual(
    server.requests.map((r) => [r.range !== undefined, r.status]),
    [
      [false, 200],
      [true, 200],
    ],
  );
  assert.equal(await sha256File(blobPath(dataDir)), STORIES_SHA);
});

test("concurrent pulls of one model, and of models sharing its file, share one download", async (t) => {
  const { server, dataDir, store } = await setup(t, {}, { throttle: { chunkBytes: 256 * 1024, delayMs: 20 } });
  const first = store.pull(stories);
  const second = store.pull(stories);
  const embeddings = store.pull(storiesEmbeddings);
  assert.equal(first, second);
  assert.notEqual(first.id, embeddings.id);
  assert.deepEqual(await Promise.all([first.done, embeddings.done]), [`sha256:${STORIES_SHA}`, `sha256:${STORIES_SHA}`]);
  assert.equal(server.requests.length, 1);
  assert.equal(await store.resolve(storiesEmbeddings), blobPath(dataDir));
  assert.deepEqual(
    store.pulls().map((p) => p.state),
    ["done", "done"],
  );
});

test("a second process waits on the first's lock and downloads nothing", async (t) => {
  const { server, store, reopen } = await setup(t, {}, { throttle: { chunkBytes: 256 * 1024, delayMs: 50 } });
  const other = reopen();
  const first = store.pull(stories);
  // Let the first take the lock before the second asks.
  await new Promise((resolve) => setTimeout(resolve, 30));
  const second = other.pull(stories);
  await Promise.all([first.done, second.done]);
  assert.equal(server.requests.length, 1);
  assert.equal(second.status().state, "done");
});

test("a lock left by a killed process is broken and its partial resumed", async (t) => {
  const { server, dataDir, store } = await setup(t);
  const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  mkdirSync(join(dataDir, "partials"), { recursive: true });
  writeFileSync(partialPath(dataDir), readFileSync(STORIES_FILE).subarray(0, 100_000));
  writeFileSync(`${partialPath(dataDir)}.lock`, JSON.stringify({ pid: Number(dead.stdout), host: hostname(), token: "killed" }));
  await store.pull(stories).done;
  assert.equal(server.requests.length, 1);
  assert.equal(server.requests[0]?.range, "bytes=100000-", "bytes from another source resume when the sha256 pins them");
  assert.equal(await sha256File(blobPath(dataDir)), STORIES_SHA);
});

test("the mirror is the first source, and resolve prefers it to the store", async (t) => {
  const { server, dataDir, store } = await setup(t, { mirrorDir: MODEL_MIRROR });
  assert.equal(await store.resolve(stories), STORIES_FILE, "runs from the mirror without a pull");
  await store.pull(stories).done;
  assert.equal(server.requests.length, 0, "an air-gapped pull needs no network");
  assert.equal(await sha256File(blobPath(dataDir)), STORIES_SHA);
  assert.equal(await store.resolve(stories), STORIES_FILE);
});

test("a mirror file that fails its checksum is skipped: resolve says why, pull goes to the next source", async (t) => {
  const mirror = mkdtempSync(join(tmpdir(), "outpost-mirror-"));
  t.after(() => rmSync(mirror, { recursive: true, force: true }));
  const bad = readFileSync(STORIES_FILE);
  bad[5_000] = (bad[5_000] ?? 0) ^ 0xff;
  writeFileSync(join(mirror, "stories260K.gguf"), bad);
  const { server, dataDir, store } = await setup(t, { mirrorDir: mirror });
  await rejectsWith(store.resolve(stories), "MODEL_NOT_LOCAL", /mirror's .*stories260K\.gguf does not match sha256/);
  await store.pull(stories).done;
  assert.equal(server.requests.length, 1);
  assert.equal(await store.resolve(stories), blobPath(dataDir));
});

test("free disk is checked before downloading: DISK_FULL and nothing written", async (t) => {
  const { server, dataDir, store } = await setup(t, { freeBytes: async () => 10 * 1024 * 1024 });
  await rejectsWith(store.pull(stories).done, "DISK_FULL", /needs 1185376 more bytes/);
  assert.equal(existsSync(partialPath(dataDir)), false);
  assert.equal(existsSync(blobPath(dataDir)), false);
  assert.ok(server.requests.length <= 1);
});

test("a stored blob that was truncated, or swapped for a symlink, is never loaded", async (t) => {
  const { dataDir, store } = await setup(t);
  await store.pull(stories).done;
  truncateSync(blobPath(dataDir), 1_000);
  await rejectsWith(store.resolve(stories), "MODEL_NOT_LOCAL", /is 1000 bytes, expected 1185376/);
  rmSync(blobPath(dataDir));
  // Even a link to the right bytes is refused: the store only trusts files it wrote.
  symlinkSync(STORIES_FILE, blobPath(dataDir));
  await rejectsWith(store.resolve(stories), "MODEL_NOT_LOCAL", /not a regular file inside the store/);
});

test("a manifest pointing outside the store, or a symlinked manifest, is refused", async (t) => {
  const { dataDir, store } = await setup(t);
  await store.pull(stories).done;
  const manifestPath = join(dataDir, "manifests/@cf/karpathy/tinyllamas-stories-260k.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, digest: "sha256:../../../etc/passwd" }));
  await rejectsWith(store.resolve(stories), "MODEL_NOT_LOCAL", /damaged/);
  const outside = join(dataDir, "outside.json");
  writeFileSync(outside, JSON.stringify(manifest));
  rmSync(manifestPath);
  symlinkSync(outside, manifestPath);
  await rejectsWith(store.resolve(stories), "MODEL_NOT_LOCAL", /not a regular file inside the store/);
});

test("remove deletes the manifest, and the blob once no model uses it", async (t) => {
  const { dataDir, store } = await setup(t);
  await Promise.all([store.pull(stories).done, store.pull(storiesEmbeddings).done]);
  assert.equal(await store.remove(STORIES), true);
  assert.equal(existsSync(blobPath(dataDir)), true, "still used by the embeddings model");
  await rejectsWith(store.resolve(stories), "MODEL_NOT_LOCAL");
  assert.equal(await store.remove(STORIES_EMBEDDINGS), true);
  assert.equal(existsSync(blobPath(dataDir)), false);
  assert.equal(await store.remove(STORIES), false);
  assert.deepEqual((await store.list()).map((m) => m.manifest.model), []);
  await rejectsWith(store.remove("../../etc/passwd"), "INPUT_INVALID");
});

test("the token goes only to the Hugging Face endpoint, not to where it redirects", async (t) => {
  const { server, dataDir, store } = await setup(t, { hfToken: "hf_secret" });
  const cdnPath = "/cdn/stories260K.gguf";
  server.serve(cdnPath, STORIES_FILE);
  // localhost and 127.0.0.1 are different origins on the same loopback server.
  server.redirect(HF_PATH, `${server.url.replace("127.0.0.1", "localhost")}${cdnPath}`);
  await store.pull(stories).done;
  assert.deepEqual(
    server.requests.map((r) => [r.path, r.authorization]),
    [
      [HF_PATH, "Bearer hf_secret"],
      [cdnPath, undefined],
    ],
  );
  assert.equal(await sha256File(blobPath(dataDir)), STORIES_SHA);
});

test("a redirect to plain http off this machine is refused", async (t) => {
  const { server, store } = await setup(t);
  server.redirect(HF_PATH, "http://models.example.invalid/stories260K.gguf");
  await rejectsWith(store.pull(stories).done, "PULL_FAILED", /only https URLs are pulled/);
});

test("without a catalog sha256, Hugging Face's X-Linked-Etag still catches corruption", async (t) => {
  const unpinned: CatalogEntry = { ...stories, id: "test/unpinned", artifact: { fileName: "stories260K.gguf", huggingFace: stories.artifact!.huggingFace! } };
  const { server, store } = await setup(t, {}, { corruptAt: 10, headers: { "x-linked-etag": `"${STORIES_SHA}"` } });
  await rejectsWith(store.pull(unpinned).done, "PULL_FAILED", /corrupted/);
  server.setFaults(HF_PATH, {});
  assert.equal(await store.pull(unpinned).done, `sha256:${STORIES_SHA}`);
});

test("pull progress reports bytes, total and rate, and events end with done", async (t) => {
  const { store } = await setup(t, {}, { throttle: { chunkBytes: 64 * 1024, delayMs: 60 } });
  const pull = store.pull(stories);
  const events = [];
  for await (const event of pull.events()) events.push(event);
  assert.equal(events.at(-1)?.type, "done");
  const progress = events.filter((e) => e.type === "progress" && e.status.completedBytes > 0);
  assert.ok(progress.length >= 2, `saw ${progress.length} progress events`);
  assert.ok(progress.every((e) => e.status.totalBytes === STORIES_SIZE));
  assert.ok(progress.some((e) => e.status.bytesPerSecond > 0 && e.status.etaS !== undefined));
  const completed = progress.map((e) => e.status.completedBytes);
  assert.deepEqual(completed, [...completed].sort((a, b) => a - b), "bytes only go up");
});

test("close() cancels a running pull, keeping what it wrote", async (t) => {
  const { dataDir, store } = await setup(t, {}, { throttle: { chunkBytes: 64 * 1024, delayMs: 50 } });
  const pull = store.pull(stories);
  for await (const event of pull.events()) if (event.status.completedBytes >= 128 * 1024) break;
  store.close();
  await rejectsWith(pull.done, "ABORTED");
  assert.ok(statSync(partialPath(dataDir)).size >= 128 * 1024);
  assert.equal(existsSync(`${partialPath(dataDir)}.lock`), false);
});

test("copying symlinks and mirrors aside, a store on a fresh dir copies the mirror file byte for byte", async (t) => {
  const mirror = mkdtempSync(join(tmpdir(), "outpost-mirror-"));
  t.after(() => rmSync(mirror, { recursive: true, force: true }));
  copyFileSync(STORIES_FILE, join(mirror, "stories260K.gguf"));
  const { dataDir, store } = await setup(t, { mirrorDir: mirror });
  await store.pull(stories).done;
  assert.deepEqual(readFileSync(blobPath(dataDir)), readFileSync(STORIES_FILE));
});
