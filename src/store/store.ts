import { stat, statfs, rm } from "node:fs/promises";
import { join } from "node:path";
import { OutpostError, type PullStatus } from "../contract/index.js";
import type { Artifact, ArtifactFile, CatalogEntry } from "../catalog/index.js";
import { FINISHED_PULLS_KEPT, PULL_ATTEMPTS, PULL_RETRY_DELAY_MS } from "./constants.js";
import { download, type Blob, type DownloadProgress, type DownloadSpec } from "./download.js";
import { artifactSources, downloadSpec } from "./artifact-sources.js";
import { digestOf, isFileInside, StoreLayout } from "./layout.js";
import { listManifests, readManifest, removeManifest, writeManifest, type Manifest } from "./manifest.js";
import { checkModelName } from "./names.js";
import { Pull } from "./pull.js";
import type { Source } from "./source.js";
import { VerificationRecords } from "./verified.js";
import { materializeTree, pathSegments, sha256File, treeDigest, treeFiles, treeSizeBytes, verifyMirrorTree, type TreeFile } from "./tree.js";

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
  /** sha256 (hex) of a mirror file; default streams it through node:crypto. Tests count the calls. */
  hashFile?(path: string): Promise<string>;
}

/** A model's weights in the store: its manifest and the blob path (a multi-file model's folder). */
export interface StoredModel {
  manifest: Manifest;
  path: string;
}

/** The blobs a manifest uses. */
const blobsOf = (manifest: Manifest): string[] => manifest.files?.map((f) => f.digest) ?? [manifest.digest];

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
  readonly #verified: VerificationRecords;
  readonly #pulls = new Map<string, Pull>();
  readonly #finished: Pull[] = [];
  readonly #downloads = new Map<string, { blob: Promise<Blob>; listeners: Set<(progress: DownloadProgress) => void> }>();
  readonly #abort = new AbortController();

  constructor(options: StoreOptions) {
    this.#options = options;
    this.layout = new StoreLayout(options.dataDir);
    this.#verified = new VerificationRecords(this.layout.verifiedDir, options.hashFile ?? sha256File);
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
   * sha256, else the stored blob. A multi-file model resolves to a folder of its files (the
   * mirror's, each file checked, or the store's `trees/<id>/`). Stored blobs were verified before they were renamed into
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
    const looked = [this.#options.mirrorDir && `${artifact.fileName} in the model mirror`, `${entry.id} in the store`].filter(Boolean);
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
    const pinned = treeFiles(artifact)?.map((f) => [f.path, f.sha256] as const) ?? [[undefined, artifact.sha256] as const];
    for (const [path, sha256] of pinned) {
      const digest = path === undefined ? manifest.digest : manifest.files?.find((f) => f.path === path)?.digest;
      if (sha256 !== undefined && digest !== digestOf(sha256)) {
        reasons.push(`the store holds ${digest ?? "nothing"} for ${path ?? "it"}, but the catalog pins sha256:${sha256}`);
        return undefined;
      }
    }
    const path = await this.#intact(manifest, reasons);
    return path === undefined ? undefined : { manifest, path };
  }

  /** Models in the store whose blobs are intact. */
  async list(): Promise<StoredModel[]> {
    const result: StoredModel[] = [];
    for (const manifest of await listManifests(this.layout)) {
      const path = await this.#intact(manifest, []);
      if (path !== undefined) result.push({ manifest, path });
    }
    return result;
  }

  /** The blob (or a multi-file model's folder) if every blob is a file inside the store of its recorded size. */
  async #intact(manifest: Manifest, reasons: string[]): Promise<string | undefined> {
    const files = manifest.files ?? [{ path: manifest.fileName, digest: manifest.digest, sizeBytes: manifest.sizeBytes }];
    for (const file of files) {
      const path = this.layout.blobPath(file.digest);
      if (!(await isFileInside(path, this.layout.blobsDir))) {
        reasons.push(`its blob ${file.digest} is missing or not a regular file inside the store`);
        return undefined;
      }
      const { size } = await stat(path);
      if (size !== file.sizeBytes) {
        reasons.push(`its blob ${file.digest} is ${size} bytes, expected ${file.sizeBytes}`);
        return undefined;
      }
    }
    return manifest.files ? materializeTree(this.layout, manifest.model, manifest.files) : this.layout.blobPath(manifest.digest);
  }

  /** The mirror's copy of `artifact` (a folder, for a multi-file model) if it exists, or undefined. */
  async mirrorPath(artifact: Artifact): Promise<string | undefined> {
    if (!this.#options.mirrorDir) return undefined;
    const tree = treeFiles(artifact) !== undefined;
    // A one-file artifact may sit in a mirror subfolder too (`standins/whisper-micro.en.bin`).
    const path = join(this.#options.mirrorDir, ...pathSegments(artifact.fileName));
    const info = await stat(path).catch(() => undefined);
    return (tree ? info?.isDirectory() : info?.isFile()) ? path : undefined;
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
    await rm(this.layout.treePath(model), { recursive: true, force: true });
    if (manifest) {
      const inUse = new Set((await listManifests(this.layout)).flatMap(blobsOf));
      for (const digest of blobsOf(manifest)) if (!inUse.has(digest)) await rm(this.layout.blobPath(digest), { force: true });
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
    const files = treeFiles(artifact) ?? [{ path: "", sizeBytes: artifact.sizeBytes, sha256: artifact.sha256 }];
    // A single file is checked as a tree of one whose only path is the file itself.
    return (await verifyMirrorTree(path, artifact.fileName, files, (file) => this.#verified.sha256(file), reasons)) ? path : undefined;
  }

  async #pullInto(entry: CatalogEntry, pull: Pull): Promise<string> {
    const artifact = artifactOf(entry);
    const existing = await this.stored(entry);
    if (existing) {
      const size = existing.manifest.sizeBytes;
      pull.progress({ source: "the store", completedBytes: size, totalBytes: size, receivedBytes: 0 });
      return existing.manifest.digest;
    }
    const files = treeFiles(artifact);
    const manifest = { schemaVersion: 1, model: entry.id, fileName: artifact.fileName, pulledAt: new Date().toISOString() } as const;
    if (!files) {
      const blob = await this.#download(await this.#spec(artifact, undefined), (progress) => pull.progress(progress));
      await writeManifest(this.layout, { ...manifest, digest: blob.digest, sizeBytes: blob.sizeBytes, source: blob.source });
      return blob.digest;
    }
    // One file after another: progress counts the finished files, and a restart resumes at the
    // first file whose blob is missing (its partial keeps the bytes it had).
    const totalBytes = treeSizeBytes(files);
    const stored: TreeFile[] = [];
    let doneBytes = 0;
    let source = "";
    for (const file of files) {
      const blob = await this.#download(await this.#spec(artifact, file), (p) =>
        pull.progress({ ...p, completedBytes: doneBytes + p.completedBytes, totalBytes: totalBytes ?? (p.totalBytes === undefined ? undefined : doneBytes + p.totalBytes) }),
      );
      stored.push({ path: file.path, digest: blob.digest, sizeBytes: blob.sizeBytes });
      doneBytes += blob.sizeBytes;
      source ||= blob.source;
    }
    const digest = treeDigest(stored);
    await writeManifest(this.layout, { ...manifest, digest, sizeBytes: doneBytes, source, files: stored });
    await materializeTree(this.layout, entry.id, stored);
    return digest;
  }

  async #spec(artifact: Artifact, file: ArtifactFile | undefined): Promise<DownloadSpec> {
    return downloadSpec(artifact, file, await this.#sources(artifact, file?.path));
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

  async #sources(artifact: Artifact, file: string | undefined): Promise<Source[]> {
    return artifactSources(artifact, file, { mirrored: await this.mirrorPath(artifact), endpoint: this.#endpoint, hfToken: this.#options.hfToken });
  }

  #retire(pull: Pull): void {
    if (this.#pulls.get(pull.model) === pull) this.#pulls.delete(pull.model);
    this.#finished.unshift(pull);
    this.#finished.length = Math.min(this.#finished.length, FINISHED_PULLS_KEPT);
  }
}

function artifactOf(entry: CatalogEntry): Artifact {
  if (!entry.artifact) throw new OutpostError("ENGINE_UNAVAILABLE", `${entry.id} has no artifact to load`);
  treeFiles(entry.artifact);
  pathSegments(entry.artifact.fileName);
  return entry.artifact;
}
