import { createHash } from "node:crypto";
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.js";

/** What a mirror file looked like when it was hashed: any change to these means hash again. */
interface VerificationRecord {
  path: string;
  sizeBytes: string;
  mtimeNs: string;
  inode: string;
  sha256: string;
}

type Identity = Omit<VerificationRecord, "sha256">;

async function identity(path: string): Promise<Identity> {
  // bigint: nanosecond mtimes and 64-bit inode numbers, compared exactly.
  const info = await stat(path, { bigint: true });
  return { path, sizeBytes: String(info.size), mtimeNs: String(info.mtimeNs), inode: String(info.ino) };
}

const sameFile = (a: Identity, b: Identity) => a.path === b.path && a.sizeBytes === b.sizeBytes && a.mtimeNs === b.mtimeNs && a.inode === b.inode;

/**
 * sha256 records of mirror files, kept in the data dir (`verified/`) so that a verified digest
 * outlives the process: each server's first load of a mirrored model used to hash its file
 * again (0.7–1.5 s for 244 MB, growing with size). A record is trusted only while the file's
 * size, mtime and inode are those it was hashed at: a rewrite, a copy over it or a `touch`
 * hashes again. One small file per mirror path, so servers sharing a data dir never lose each
 * other's records; writing them is best effort, as a read-only data dir still serves.
 */
export class VerificationRecords {
  readonly #dir: string;
  readonly #hashFile: (path: string) => Promise<string>;

  constructor(dir: string, hashFile: (path: string) => Promise<string>) {
    this.#dir = dir;
    this.#hashFile = hashFile;
  }

  /** sha256 (hex) of the file at `path`, from its record if the file is unchanged since. */
  async sha256(path: string): Promise<string> {
    const before = await identity(path);
    const recordPath = join(this.#dir, `${createHash("sha256").update(path).digest("hex")}.json`);
    const record = await readFile(recordPath, "utf8")
      .then((text) => JSON.parse(text) as VerificationRecord)
      .catch(() => undefined);
    if (record && sameFile(record, before)) return record.sha256;
    const sha256 = await this.#hashFile(path);
    // A file that changed while it was read has no digest worth keeping.
    if (sameFile(await identity(path), before)) {
      await mkdir(this.#dir, { recursive: true })
        .then(() => writeFileAtomic(recordPath, JSON.stringify({ ...before, sha256 } satisfies VerificationRecord)))
        .catch(() => undefined);
    }
    return sha256;
  }
}
