import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Catalog } from "../catalog/index.js";
import { MODEL_MIRROR, STORIES } from "../../test/helpers/server.js";
import { ModelStore } from "./store.js";
import { sha256File } from "./tree.js";

const stories = new Catalog(new Set(["llama"])).get(STORIES);
const STORIES_FILE = join(MODEL_MIRROR, "stories260K.gguf");

function setup(t: { after(fn: () => unknown): void }) {
  const root = mkdtempSync(join(tmpdir(), "outpost-verified-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const mirrorDir = join(root, "mirror");
  const dataDir = join(root, "data");
  mkdirSync(mirrorDir);
  const mirrored = join(mirrorDir, "stories260K.gguf");
  copyFileSync(STORIES_FILE, mirrored);
  const hashed: string[] = [];
  /** A new server process on the same data dir and mirror, counting the files it hashes. */
  const open = () => new ModelStore({ dataDir, mirrorDir, hashFile: (path) => (hashed.push(path), sha256File(path)) });
  return { root, dataDir, mirrored, hashed, open };
}

test("a mirror file verified by one server is not hashed again by the next, while it is unchanged", async (t) => {
  const { mirrored, hashed, open } = setup(t);
  assert.equal(await open().resolve(stories), mirrored);
  assert.deepEqual(hashed, [mirrored]);
  assert.equal(await open().resolve(stories), mirrored);
  assert.equal(await open().resolve(stories), mirrored);
  assert.deepEqual(hashed, [mirrored], "restarts trust the record");

  // Same bytes, new mtime: hashed again, and trusted again after that.
  utimesSync(mirrored, new Date(), new Date(Date.now() - 60_000));
  assert.equal(await open().resolve(stories), mirrored);
  assert.equal(await open().resolve(stories), mirrored);
  assert.equal(hashed.length, 2);
});

test("a mirror file replaced by other bytes of the same size and mtime is caught: its inode differs", async (t) => {
  const { root, mirrored, hashed, open } = setup(t);
  // Whole seconds, so the replacement's mtime can be made exactly equal.
  const mtime = 1_700_000_000;
  utimesSync(mirrored, mtime, mtime);
  assert.equal(await open().resolve(stories), mirrored);
  const bad = readFileSync(STORIES_FILE);
  bad[5_000] = (bad[5_000] ?? 0) ^ 0xff;
  const replacement = join(root, "replacement.gguf");
  writeFileSync(replacement, bad);
  utimesSync(replacement, mtime, mtime);
  // Renamed over it while both exist, so the inode cannot be the freed one reused.
  renameSync(replacement, mirrored);
  assert.equal(statSync(mirrored, { bigint: true }).mtimeNs, BigInt(mtime) * 1_000_000_000n);
  await assert.rejects(open().resolve(stories), /mirror's .*stories260K\.gguf does not match sha256/);
  assert.equal(hashed.length, 2);
});

test("a data dir that cannot be written still serves the mirror, hashing each time", async (t) => {
  const { dataDir, mirrored, hashed, open } = setup(t);
  // A file where the data dir should be: no record can be written, even by root.
  writeFileSync(dataDir, "");
  assert.equal(await open().resolve(stories), mirrored);
  assert.equal(await open().resolve(stories), mirrored);
  assert.equal(hashed.length, 2);
});
