import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat, statfs, rm } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { OutpostError, type PullStatus } from "../contract/index.js";
import type { Artifact, CatalogEntry } from "../catalog/index.js";
import { FINISHED_PULLS_KEPT, PULL_ATTEMPTS, PULL_RETRY_DELAY_MS } from "./constants.js";
import { download, type Blob, type DownloadProgress, type DownloadSpec } from "./download.js";
import { FileSource } from "./file-source.js";
import { HttpSource } from "./http-source.js";
import { digestOf, isFileInside, StoreLayout } from "./layout.js";
import { listManifests, readManifest, removeManifest, writeManifest, type Manifest } from "./manifest.js";
import { checkDownloadUrl, checkFileName, checkModelName } from "./names.js";
import { Pull } from "./pull.js";
import type { Source } from "./source.js";

export interface StoreOptions {
  /** Root of pulled models and state. */
  dataDir: string;
  /** Directory searched first for artifact files by name; "" for none. */
  mirrorDir: string;
  /** Hugging Face endpoint; default https://huggingface.co. An http one is trusted as given. */
  hfEndpoint?: string;
  /** Hugging Face token, sent to `hfEndpoint` only; "" or undefined for none. */
  hfToken?: string;
  /** Free bytes on the filesystem holding `dir`; default statfs. Tests pass a small number. */
  freeBytes?(dir: string): Promise<number>;
  /** Attempts per source; default PULL_ATTEMPTS. */
  attempts?: number;
  /** First retry delay in ms, doubling after; default PULL_RETRY_DELAY_MS. */
  retryDelayMs?: number;
}

/** A model's weights in the store: its manifest and the blob path. */
export interface StoredModel {
  manifest: Manifest;
  path: string;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

async function statfsFree(dir: string): Promise<number> {
  const info = await statfs(dir);
  return info.bavail * info.bsize;
}

/**
 * Model files on disk: the offline mirror (read-only, by file name) and the content-addressed
 * store in the data dir (see StoreLayout), plus pulls into the store. `resolve` is the one way
 * the scheduler finds a file; `pull` the one way a file gets into the store.
 */
export class ModelStore {
  readonly layout: StoreLayout;
  readonly #options: StoreOptions;
  readonly #endpoint: URL;
  /** Mirror files already checked against their sha256, keyed by path, size and mtime. */
  readonly #verified = new Set<string>();
  readonly #pulls = new Map<string, Pull>();
  readonly #finished: Pull[] = [];
  readonly #downloads = new Map<string, { blob: Promise<Blob>; listeners: Set<(progress: DownloadProgress) => void> }>();
  readonly #abort = new AbortController();

  constructor(options: StoreOptions) {
    this.#options = options;
    this.layout = new StoreLayout(options.dataDir);
    this.#endpoint = new URL(options.hfEndpoint || "https://huggingface.co");
  }

  get dataDir(): string {
    return this.#options.dataDir;
  }

  /** The Hugging Face endpoint's origin: the one http origin downloads may use besides loopback. */
  get endpointOrigin(): string {
    return this.#endpoint.origin;
  }

  /**
   * Path to the weights of `entry`: the mirror's file if it matches the catalog's size and
   * sha256, else the stored blob. Stored blobs were verified before they were renamed into
   * place, so here only their size is checked; a blob that is a symlink, or reached through
   * one, is refused. Throws MODEL_NOT_LOCAL saying what was found and how to get the model.
   */
  async resolve(entry: CatalogEntry): Promise<string> {
    const artifact = artifactOf(entry);
    const reasons: string[] = [];
    const mirrored = await this.#mirrorFile(artifact, reasons);
    if (mirrored) return mirrored;
    const stored = await this.stored(entry, reasons);
    if (stored) {
      const now = new Date().toISOString();
      // Best effort: a read-only data dir still serves its models.
      await writeManifest(this.layout, { ...stored.manifest, lastUsedAt: now }).catch(() => undefined);
      return stored.path;
    }
    const looked = [this.#options.mirrorDir && `${artifact.fileName} in ${this.#options.mirrorDir}`, `${entry.id} in ${this.layout.manifestsDir}`].filter(Boolean);
    throw new OutpostError(
      "MODEL_NOT_LOCAL",
      `${entry.id} is not available locally (${reasons.length > 0 ? reasons.join("; ") : `looked for ${looked.join(" and ")}`}); run \`outpost pull ${entry.id}\``,
    );
  }

  /** The model's manifest and blob if the store holds it intact and as the catalog pins it. */
  async stored(entry: CatalogEntry, reasons: string[] = []): Promise<StoredModel | undefined> {
    const artifact = artifactOf(entry);
    const manifest = await readManifest(this.layout, entry.id);
    if (!manifest) return undefined;
    if (artifact.sha256 !== undefined && manifest.digest !== digestOf(artifact.sha256)) {
      reasons.push(`the store holds ${manifest.digest} for it, but the catalog pins sha256:${artifact.sha256}`);
      return undefined;
    }
    const path = this.layout.blobPath(manifest.digest);
    if (!(await isFileInside(path, this.layout.blobsDir))) {
      reasons.push(`its blob ${path} is missing or not a regular file inside the store`);
      return undefined;
    }
    const { size } = await stat(path);
    if (size !== manifest.sizeBytes) {
      reasons.push(`its blob ${path} is ${size} bytes, expected ${manifest.sizeBytes}`);
      return undefined;
    }
    return { manifest, path };
  }

  /** Models in the store whose blob is intact. */
  async list(): Promise<StoredModel[]> {
    const result: StoredModel[] = [];
    for (const manifest of await listManifests(this.layout)) {
      const path = this.layout.blobPath(manifest.digest);
      const info = (await isFileInside(path, this.layout.blobsDir)) ? await stat(path) : undefined;
      if (info?.size === manifest.sizeBytes) result.push({ manifest, path });
    }
    return result;
  }

  /** The mirror's copy of `artifact` if it exists, or undefined. */
  async mirrorPath(artifact: Artifact): Promise<string | undefined> {
    if (!this.#options.mirrorDir) return undefined;
    const path = join(this.#options.mirrorDir, checkFileName(artifact.fileName));
    return (await stat(path).catch(() => undefined))?.isFile() ? path : undefined;
  }

  /**
   * Starts pulling `entry` into the store, or returns the pull already running for it. Two
   * models sharing one file share one download. Resolves at once if the store has it.
   */
  pull(entry: CatalogEntry): Pull {
    const running = this.#pulls.get(entry.id);
    if (running) return running;
    const pull = new Pull(checkModelName(entry.id), (p) => this.#pullInto(entry, p));
    this.#pulls.set(entry.id, pull);
    void pull.done.then(
      () => this.#retire(pull),
      () => this.#retire(pull),
    );
    return pull;
  }

  /** Running pulls, then finished ones (newest first). */
  pulls(): PullStatus[] {
    return [...this.#pulls.values(), ...this.#finished].map((p) => p.status());
  }

  findPull(id: string): Pull | undefined {
    return [...this.#pulls.values(), ...this.#finished].find((p) => p.id === id);
  }

  /**
   * Deletes `model`'s manifest, and its blob unless another model uses it. Mirror files are
   * never touched. False if the store had no manifest for it.
   */
  async remove(model: string): Promise<boolean> {
    checkModelName(model);
    if (this.#pulls.has(model)) throw new OutpostError("INPUT_INVALID", `${model} is being pulled; remove it when the pull has finished`);
    const manifest = await readManifest(this.layout, model).catch(() => undefined);
    const removed = await removeManifest(this.layout, model);
    if (manifest && !(await listManifests(this.layout)).some((m) => m.digest === manifest.digest)) {
      await rm(this.layout.blobPath(manifest.digest), { force: true });
    }
    return removed;
  }

  /** Cancels running pulls; what they wrote stays for the next pull to resume. */
  close(): void {
    this.#abort.abort();
  }

  async #mirrorFile(artifact: Artifact, reasons: string[]): Promise<string | undefined> {
    const path = await this.mirrorPath(artifact);
    if (!path) return undefined;
    const info = await stat(path);
    const key = `${path}:${info.size}:${info.mtimeMs}`;
    if (this.#verified.has(key)) return path;
    if (artifact.sizeBytes !== undefined && info.size !== artifact.sizeBytes) {
      reasons.push(`the mirror's ${path} is ${info.size} bytes, expected ${artifact.sizeBytes}`);
      return undefined;
    }
    if (artifact.sha256 !== undefined && (await sha256File(path)) !== artifact.sha256) {
      reasons.push(`the mirror's ${path} does not match sha256 ${artifact.sha256}`);
      return undefined;
    }
    this.#verified.add(key);
    return path;
  }

  async #pullInto(entry: CatalogEntry, pull: Pull): Promise<string> {
    const artifact = artifactOf(entry);
    const existing = await this.stored(entry);
    if (existing) {
      const size = existing.manifest.sizeBytes;
      pull.progress({ source: existing.path, completedBytes: size, totalBytes: size, receivedBytes: 0 });
      return existing.manifest.digest;
    }
    const spec: DownloadSpec = {
      key: artifact.sha256 ? `sha256-${artifact.sha256}` : `src-${createHash("sha256").update(JSON.stringify([artifact.huggingFace, artifact.url, artifact.fileName])).digest("hex").slice(0, 32)}`,
      fileName: artifact.fileName,
      sources: await this.#sources(artifact),
      sha256: artifact.sha256,
      sizeBytes: artifact.sizeBytes,
    };
    const blob = await this.#download(spec, (progress) => pull.progress(progress));
    await writeManifest(this.layout, {
      schemaVersion: 1,
      model: entry.id,
      fileName: artifact.fileName,
      digest: blob.digest,
      sizeBytes: blob.sizeBytes,
      source: blob.source,
      pulledAt: new Date().toISOString(),
    });
    return blob.digest;
  }

  /** Joins the download of the same file if one is running in this process. */
  async #download(spec: DownloadSpec, listener: (progress: DownloadProgress) => void): Promise<Blob> {
    let shared = this.#downloads.get(spec.key);
    if (!shared) {
      const listeners = new Set<(progress: DownloadProgress) => void>();
      const blob = download(spec, {
        layout: this.layout,
        freeBytes: this.#options.freeBytes ?? statfsFree,
        attempts: this.#options.attempts ?? PULL_ATTEMPTS,
        retryDelayMs: this.#options.retryDelayMs ?? PULL_RETRY_DELAY_MS,
        signal: this.#abort.signal,
        onProgress: (progress) => listeners.forEach((l) => l(progress)),
      }).finally(() => this.#downloads.delete(spec.key));
      shared = { blob, listeners };
      this.#downloads.set(spec.key, shared);
    }
    shared.listeners.add(listener);
    try {
      return await shared.blob;
    } finally {
      shared.listeners.delete(listener);
    }
  }

  /** Mirror first (air-gapped sites), then Hugging Face, then the artifact's URL. */
  async #sources(artifact: Artifact): Promise<Source[]> {
    const sources: Source[] = [];
    const mirrored = await this.mirrorPath(artifact);
    if (mirrored) sources.push(new FileSource(mirrored));
    const origin = this.endpointOrigin;
    if (artifact.huggingFace) {
      const { repo, path, revision } = artifact.huggingFace;
      const segments = [...repo.split("/"), "resolve", revision ?? "main", ...path.split("/")].map(encodeURIComponent);
      const url = new URL(`${this.#endpoint.href.replace(/\/$/, "")}/${segments.join("/")}`);
      sources.push(new HttpSource({ url, token: this.#options.hfToken || undefined, tokenOrigin: origin, trustedOrigin: origin }));
    }
    if (artifact.url?.startsWith("file:")) sources.push(new FileSource(fileURLToPath(artifact.url)));
    else if (artifact.url) sources.push(new HttpSource({ url: checkDownloadUrl(artifact.url, origin), trustedOrigin: origin }));
    return sources;
  }

  #retire(pull: Pull): void {
    if (this.#pulls.get(pull.model) === pull) this.#pulls.delete(pull.model);
    this.#finished.unshift(pull);
    this.#finished.length = Math.min(this.#finished.length, FINISHED_PULLS_KEPT);
  }
}

function artifactOf(entry: CatalogEntry): Artifact {
  if (!entry.artifact) throw new OutpostError("ENGINE_UNAVAILABLE", `${entry.id} has no artifact to load`);
  checkFileName(entry.artifact.fileName);
  return entry.artifact;
}
