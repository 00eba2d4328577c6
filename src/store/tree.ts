import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { link, mkdir, readdir, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { OutpostError } from "../contract/index.js";
import type { Artifact, ArtifactFile } from "../catalog/index.js";
import { digestOf, type StoreLayout } from "./layout.js";
import { checkFileName } from "./names.js";

/**
 * Multi-file models (a diffusers pipeline: text encoders, UNet, VAE, tokenizer, scheduler
 * config) are stored as one unit: every file is its own verified blob, the manifest lists each
 * file's path, digest and size, and the engine gets `trees/<model id>/`, a folder of hard links
 * to those blobs in the model's own layout. A pull fetches the files one by one, so an
 * interrupted pull resumes at the file (and the byte) it stopped at.
 */
export interface TreeFile {
  /** Path inside the model's folder, `/`-separated, e.g. `unet/model.onnx`. */
  path: string;
  digest: string;
  sizeBytes: number;
}

/** sha256 (hex) of a file's contents, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

/** Bytes of a file, or of every file below a folder (a multi-file model). */
export async function diskSizeBytes(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  const names = await readdir(path, { recursive: true });
  const sizes = await Promise.all(names.map(async (name) => ((await stat(join(path, name))).isFile() ? (await stat(join(path, name))).size : 0)));
  return sizes.reduce((sum, size) => sum + size, 0);
}

/** The segments of a relative path, each a checked file name: no `..`, no absolute paths. Throws INPUT_INVALID. */
export function pathSegments(path: string): string[] {
  return path.split("/").map(checkFileName);
}

/** The files of a multi-file artifact, or undefined for a single-file one. */
export function treeFiles(artifact: Artifact): ArtifactFile[] | undefined {
  if (!artifact.files) return undefined;
  if (artifact.files.length === 0) throw new OutpostError("INTERNAL", `The artifact ${artifact.fileName} lists no files`);
  for (const file of artifact.files) pathSegments(file.path);
  return artifact.files;
}

/** Total size of a multi-file artifact, when the catalog gives every file's size. */
export function treeSizeBytes(files: ArtifactFile[]): number | undefined {
  return files.every((f) => f.sizeBytes !== undefined) ? files.reduce((sum, f) => sum + (f.sizeBytes ?? 0), 0) : undefined;
}

/** One digest for the whole tree: its sorted file list, so two stores holding the same files agree. */
export function treeDigest(files: TreeFile[]): string {
  const canonical = [...files].sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => [f.path, f.digest, f.sizeBytes]);
  return digestOf(createHash("sha256").update(JSON.stringify(canonical)).digest("hex"));
}

/**
 * Checks a mirror folder against the catalog: every file present, of its size and sha256.
 * `hash` is the store's (cached) sha256 of a mirror file. Pushes why not into `reasons`,
 * naming files by `name` (the artifact's name inside the mirror): reasons reach clients, and
 * the server's directories are not theirs to see.
 */
export async function verifyMirrorTree(dir: string, name: string, files: ArtifactFile[], hash: (path: string) => Promise<string>, reasons: string[]): Promise<boolean> {
  for (const file of files) {
    // A single-file model is checked as a tree of one whose path is "" (the file itself).
    const path = file.path === "" ? dir : join(dir, ...pathSegments(file.path));
    const shown = file.path === "" ? name : `${name}/${file.path}`;
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) {
      reasons.push(`the mirror's ${name} has no ${file.path}`);
      return false;
    }
    if (file.sizeBytes !== undefined && info.size !== file.sizeBytes) {
      reasons.push(`the mirror's ${shown} is ${info.size} bytes, expected ${file.sizeBytes}`);
      return false;
    }
    if (file.sha256 !== undefined && (await hash(path)) !== file.sha256) {
      reasons.push(`the mirror's ${shown} does not match sha256 ${file.sha256}`);
      return false;
    }
  }
  return true;
}

/**
 * Lays out `trees/<model>/` as hard links to the tree's blobs (same inode, so no copy and no
 * way for the folder to drift from the verified bytes); a path that is anything else is
 * replaced. Returns the folder.
 */
export async function materializeTree(layout: StoreLayout, model: string, files: TreeFile[]): Promise<string> {
  const root = layout.treePath(model);
  for (const file of files) {
    const target = join(root, ...pathSegments(file.path));
    const blob = layout.blobPath(file.digest);
    const [linked, original] = await Promise.all([stat(target).catch(() => undefined), stat(blob)]);
    if (linked?.ino === original.ino && linked.dev === original.dev) continue;
    await mkdir(dirname(target), { recursive: true });
    await rm(target, { force: true, recursive: true });
    await link(blob, target);
  }
  return root;
}
