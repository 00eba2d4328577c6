import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { OutpostError } from "../contract/index.js";
import type { CatalogEntry } from "../catalog/index.js";

export interface StoreOptions {
  /** Root of pulled models and state. */
  dataDir: string;
  /** Directory searched first for artifact files by name; "" for none. */
  mirrorDir: string;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

/** Finds a model's weights on disk: the mirror directory first, then the store. */
export class ModelStore {
  readonly #options: StoreOptions;
  /** Files already checked against their sha256, keyed by path, size and mtime. */
  readonly #verified = new Set<string>();

  constructor(options: StoreOptions) {
    this.#options = options;
  }

  get dataDir(): string {
    return this.#options.dataDir;
  }

  /** Path to the verified weights file, or MODEL_NOT_LOCAL saying how to get it. */
  async resolve(entry: CatalogEntry): Promise<string> {
    const artifact = entry.artifact;
    if (!artifact) throw new OutpostError("ENGINE_UNAVAILABLE", `${entry.id} has no artifact to load`);
    // basename() keeps a catalog file name from ever reaching outside the directories searched.
    const name = basename(artifact.fileName);
    const candidates = [this.#options.mirrorDir && join(this.#options.mirrorDir, name), join(this.#options.dataDir, "models", name)].filter(Boolean);
    for (const path of candidates) {
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) continue;
      const key = `${path}:${info.size}:${info.mtimeMs}`;
      if (!this.#verified.has(key)) {
        if (artifact.sizeBytes !== undefined && info.size !== artifact.sizeBytes) {
          throw new OutpostError("MODEL_NOT_LOCAL", `${path} is ${info.size} bytes, expected ${artifact.sizeBytes}: refusing to load it`);
        }
        if (artifact.sha256 !== undefined && (await sha256File(path)) !== artifact.sha256) {
          throw new OutpostError("MODEL_NOT_LOCAL", `${path} does not match the catalog sha256 ${artifact.sha256}: refusing to load it`);
        }
        this.#verified.add(key);
      }
      return path;
    }
    throw new OutpostError("MODEL_NOT_LOCAL", `${entry.id} is not available locally (looked for ${name} in ${candidates.join(", ")}); run \`outpost pull ${entry.id}\``);
  }
}
