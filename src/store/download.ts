import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { OutpostError } from "../contract/index.js";
import { fsyncDir, writeFileAtomic } from "./atomic.js";
import { DISK_HEADROOM_BYTES } from "./constants.js";
import { digestOf, isFileInside, type StoreLayout } from "./layout.js";
import { PullLock } from "./lock.js";
import { isTransient, transient, type Source } from "./source.js";

/** What to fetch: the same file from several sources, tried in order. */
export interface DownloadSpec {
  /** Names the partial file: `sha256-<hex>` when the hash is known (any source may resume it), else `src-<hex>`. */
  key: string;
  /** For messages: the file name. */
  fileName: string;
  sources: Source[];
  /** Expected sha256 (hex); a mismatch discards the bytes. */
  sha256?: string;
  sizeBytes?: number;
}

export interface DownloadOptions {
  layout: StoreLayout;
  /** Free bytes on the filesystem holding `dir`. */
  freeBytes(dir: string): Promise<number>;
  attempts: number;
  retryDelayMs: number;
  signal: AbortSignal;
  onProgress(progress: DownloadProgress): void;
}

export interface DownloadProgress {
  source: string;
  /** Bytes of the file on disk, resumed ones included. */
  completedBytes: number;
  totalBytes: number | undefined;
  /** Bytes received by this download so far: what the transfer rate is measured on. */
  receivedBytes: number;
}

export interface Blob {
  digest: string;
  sizeBytes: number;
  source: string;
}

/** Sidecar of a partial file: which source wrote it, and that source's validator. */
interface PartialMeta {
  source: string;
  validator?: string;
}

const DISK_FULL_CODES = new Set(["ENOSPC", "EDQUOT", "EFBIG"]);

/**
 * Fetches one file into `blobs/` so that it is either absent or complete and verified: bytes go
 * to `partials/<key>.partial`, are hashed as they arrive, fsynced, checked against the expected
 * size and sha256, then renamed into place. A cut transfer is retried with a Range request from
 * where it stopped; one that keeps failing moves on to the next source, and what was written
 * stays for the next pull (or the next process) to resume. Wrong bytes are deleted, since
 * nothing tells which of them are wrong. One process at a time writes a partial (PullLock).
 */
export async function download(spec: DownloadSpec, options: DownloadOptions): Promise<Blob> {
  const { layout, signal } = options;
  await mkdir(layout.partialsDir, { recursive: true });
  await mkdir(layout.blobsDir, { recursive: true });
  const partial = layout.partialPath(spec.key);
  const ready = () => existingBlob(layout, spec);
  const done = await ready();
  if (done) return done;
  const lock = await PullLock.acquire(`${partial}.lock`, signal, async () => {
    // Another process is pulling: report its progress from the partial's size.
    const size = (await stat(partial).catch(() => undefined))?.size ?? 0;
    options.onProgress({ source: "another process", completedBytes: size, totalBytes: spec.sizeBytes, receivedBytes: 0 });
    return (await ready()) !== undefined;
  });
  try {
    const finished = await ready();
    if (finished) return finished;
    const failures: string[] = [];
    for (const source of spec.sources) {
      for (let attempt = 1; attempt <= options.attempts; attempt++) {
        try {
          return await attemptOnce(spec, source, partial, options);
        } catch (error) {
          if (signal.aborted) throw new OutpostError("ABORTED", `Pull of ${spec.fileName} was cancelled`, { cause: error });
          if (error instanceof OutpostError && error.code === "DISK_FULL") throw error;
          const retry = isTransient(error) && attempt < options.attempts;
          if (!retry) {
            failures.push(`${source.label}: ${(error as Error).message}`);
            break;
          }
          await sleep(options.retryDelayMs * 2 ** (attempt - 1), undefined, { signal });
        }
      }
    }
    throw new OutpostError("PULL_FAILED", `Could not pull ${spec.fileName}: ${failures.join("; ") || "no source to pull it from"}`);
  } finally {
    await lock?.release();
  }
}

/** The blob when it is already stored (pinned by sha256 and of the right size). */
async function existingBlob(layout: StoreLayout, spec: DownloadSpec): Promise<Blob | undefined> {
  if (!spec.sha256) return undefined;
  const digest = digestOf(spec.sha256);
  const path = layout.blobPath(digest);
  if (!(await isFileInside(path, layout.blobsDir))) return undefined;
  const { size } = await stat(path);
  return spec.sizeBytes === undefined || size === spec.sizeBytes ? { digest, sizeBytes: size, source: path } : undefined;
}

async function attemptOnce(spec: DownloadSpec, source: Source, partial: string, options: DownloadOptions): Promise<Blob> {
  const { layout, signal } = options;
  const metaPath = `${partial}.json`;
  const meta = await readMeta(metaPath);
  const have = (await stat(partial).catch(() => undefined))?.size ?? 0;
  // Bytes written from another source are only trusted when the sha256 pins what they must be.
  const sameSource = meta?.source === source.label;
  const resumable = have > 0 && (sameSource || spec.sha256 !== undefined) && (spec.sizeBytes === undefined || have <= spec.sizeBytes);
  const opened = await source.open(resumable ? have : 0, sameSource ? meta?.validator : undefined, signal);
  const total = opened.totalBytes ?? spec.sizeBytes;
  const refuse = async (error: OutpostError) => {
    await opened.cancel();
    return error;
  };
  if (spec.sizeBytes !== undefined && opened.totalBytes !== undefined && opened.totalBytes !== spec.sizeBytes) {
    throw await refuse(new OutpostError("PULL_FAILED", `serves ${opened.totalBytes} bytes, expected ${spec.sizeBytes}`));
  }
  const expectedSha256 = spec.sha256 ?? opened.sha256;
  const free = await options.freeBytes(layout.partialsDir);
  const needed = (total ?? 0) - opened.start;
  if (needed + DISK_HEADROOM_BYTES > free) {
    throw await refuse(
      new OutpostError("DISK_FULL", `Not enough disk to pull ${spec.fileName}: it needs ${needed} more bytes (+${DISK_HEADROOM_BYTES} kept free), ${layout.partialsDir} has ${free} free`),
    );
  }
  await writeFileAtomic(metaPath, JSON.stringify({ source: source.label, validator: opened.validator } satisfies PartialMeta));

  const hash = createHash("sha256");
  if (opened.start > 0) for await (const chunk of createReadStream(partial, { start: 0, end: opened.start - 1 })) hash.update(chunk as Buffer);
  let position = opened.start;
  let received = 0;
  const file = await open(partial, opened.start > 0 ? "r+" : "w");
  try {
    await file.truncate(opened.start);
    options.onProgress({ source: source.label, completedBytes: position, totalBytes: total, receivedBytes: received });
    for await (const chunk of opened.body) {
      if (total !== undefined && position + chunk.byteLength > total) throw new OutpostError("PULL_FAILED", `sent more than the ${total} bytes it announced`);
      await file.write(chunk, 0, chunk.byteLength, position);
      hash.update(chunk);
      position += chunk.byteLength;
      received += chunk.byteLength;
      options.onProgress({ source: source.label, completedBytes: position, totalBytes: total, receivedBytes: received });
    }
    await file.sync();
  } catch (error) {
    await file.close();
    if (DISK_FULL_CODES.has((error as NodeJS.ErrnoException).code ?? "")) {
      // The space is needed elsewhere now; a partial kept for resuming would hold on to it.
      await discard(partial);
      throw new OutpostError("DISK_FULL", `The disk filled up while pulling ${spec.fileName}: ${(error as Error).message}; the partial download was removed`, { cause: error });
    }
    if (error instanceof OutpostError || options.signal.aborted) throw error;
    throw transient(new OutpostError("PULL_FAILED", `the transfer failed after ${position} of ${total ?? "?"} bytes: ${(error as Error).message}`, { cause: error }));
  }
  await file.close();
  if (total !== undefined && position < total) {
    throw transient(new OutpostError("PULL_FAILED", `the transfer failed after ${position} of ${total} bytes: the connection closed early`));
  }
  const sha256 = hash.digest("hex");
  if (expectedSha256 !== undefined && sha256 !== expectedSha256) {
    await discard(partial);
    throw new OutpostError("PULL_FAILED", `the file is corrupted: its sha256 is not the expected ${expectedSha256}; the bytes were discarded`);
  }
  const digest = digestOf(sha256);
  await rename(partial, layout.blobPath(digest));
  await fsyncDir(layout.blobsDir);
  await rm(metaPath, { force: true });
  return { digest, sizeBytes: position, source: source.label };
}

async function readMeta(path: string): Promise<PartialMeta | undefined> {
  try {
    const value = JSON.parse(await readFile(path, "utf8")) as Partial<PartialMeta>;
    return typeof value.source === "string" ? { source: value.source, validator: typeof value.validator === "string" ? value.validator : undefined } : undefined;
  } catch {
    return undefined;
  }
}

async function discard(partial: string): Promise<void> {
  await rm(partial, { force: true });
  await rm(`${partial}.json`, { force: true });
}
