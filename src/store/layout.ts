import { lstat, realpath } from "node:fs/promises";
import { join, sep } from "node:path";
import { OutpostError } from "../contract/index.js";
import { checkModelName } from "./names.js";

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** `sha256:<hex>` from a hex digest. */
export function digestOf(sha256Hex: string): string {
  return `sha256:${sha256Hex}`;
}

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/**
 * The data dir's layout, content-addressed as ollama's is:
 * - `blobs/sha256-<hex>`: each file once, named by its hash; only complete, verified files.
 * - `manifests/<model id>.json`: which blob a model id uses (the id's `/` parts are folders); a
 *   multi-file model's manifest lists the blob of every file.
 * - `trees/<model id>/`: a multi-file model's files in its own layout, hard links to blobs.
 * - `partials/<key>.partial` (+ `.json`, `.lock`): downloads in progress, resumable.
 * - `verified/<hex>.json`: the sha256 of a mirror file and the size, mtime and inode it was
 *   hashed at (store/verified.ts), so a restart need not hash it again.
 * - `custom-models.json`: models added with `outpost models add`.
 * Every path is built from a checked name or digest, never from raw input.
 */
export class StoreLayout {
  readonly dataDir: string;

  constructor(dataDir: string) {
    this.dataDir = dataDir;
  }

  get blobsDir(): string {
    return join(this.dataDir, "blobs");
  }

  get manifestsDir(): string {
    return join(this.dataDir, "manifests");
  }

  get partialsDir(): string {
    return join(this.dataDir, "partials");
  }

  get treesDir(): string {
    return join(this.dataDir, "trees");
  }

  /** The folder a multi-file model's engine opens. */
  treePath(model: string): string {
    return join(this.treesDir, ...checkModelName(model).split("/"));
  }

  get verifiedDir(): string {
    return join(this.dataDir, "verified");
  }

  get customModelsFile(): string {
    return join(this.dataDir, "custom-models.json");
  }

  blobPath(digest: string): string {
    if (!isDigest(digest)) throw new OutpostError("MODEL_NOT_LOCAL", `Invalid blob digest '${digest.slice(0, 80)}' in the store: pull the model again`);
    return join(this.blobsDir, digest.replace(":", "-"));
  }

  manifestPath(model: string): string {
    return join(this.manifestsDir, ...checkModelName(model).split("/")) + ".json";
  }

  /** `key` is `sha256-<hex>` or `src-<hex>`, made by the store, never by a caller. */
  partialPath(key: string): string {
    if (!/^(sha256|src)-[0-9a-f]{32,64}$/.test(key)) throw new OutpostError("INTERNAL", `Invalid partial key '${key}'`);
    return join(this.partialsDir, `${key}.partial`);
  }
}

/**
 * Whether `path` is a regular file inside `root` itself: not a symlink, and not reached through
 * a symlinked folder below `root`. `root` may itself be a symlink (a data dir moved to a bigger
 * disk), so both sides are compared after realpath.
 */
export async function isFileInside(path: string, root: string): Promise<boolean> {
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isFile()) return false;
  const [real, realRoot] = await Promise.all([realpath(path), realpath(root)]);
  return real.startsWith(realRoot + sep);
}
