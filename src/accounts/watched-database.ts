import { closeSync, openSync, readSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { DATABASE_FILE, databaseError, openDatabase, type Database } from "./database.js";

/** What the stores read and write through: `db` may be replaced while a server runs (WatchedDatabase). */
export interface DatabaseHandle {
  readonly db: Database;
}

/** How often the server looks at the file behind its open handle, in ms. */
const CHECK_MS = 1_000;

const inodeOf = (path: string): number | undefined => {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
};

/** Whether `path` is a file that starts as every SQLite database does. */
function looksLikeDatabase(path: string): boolean {
  const header = Buffer.alloc(16);
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    return readSync(fd, header, 0, 16, 0) === 16 && header.toString("latin1") === "SQLite format 3\0";
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The server's database, watched. SQLite (in WAL mode) goes on writing to a file deleted under
 * an open handle, and all of it would vanish at exit: the next start would begin empty. So
 * when the file is gone, the open copy (which still holds every account, token and usage row) is written back to
 * the path and reopened; when a database file was put in its place (a backup restored), that
 * file is opened. Each is one log line; anything else leaves the open copy serving reads.
 */
export class WatchedDatabase implements DatabaseHandle {
  readonly #dataDir: string;
  readonly #path: string;
  readonly #options: { busyTimeoutMs?: number };
  readonly #log: (line: string) => void;
  #db: Database;
  /** Inodes of the file and of its -wal and -shm, as opened: which of those at the path are ours. */
  #inodes: (number | undefined)[];
  readonly #timer: NodeJS.Timeout;
  /** The last failure logged, so that a file that stays unusable is one line, not one a second. */
  #failing: string | undefined;

  constructor(dataDir: string, options: { busyTimeoutMs?: number; log: (line: string) => void }) {
    this.#dataDir = dataDir;
    this.#path = join(dataDir, DATABASE_FILE);
    this.#options = { busyTimeoutMs: options.busyTimeoutMs };
    this.#log = options.log;
    this.#db = openDatabase(dataDir, this.#options);
    this.#inodes = this.#inodesNow();
    // Writes between a deletion and the next look land in the open copy, which the restore carries over.
    this.#timer = setInterval(() => this.check(), CHECK_MS);
    this.#timer.unref();
  }

  get db(): Database {
    return this.#db;
  }

  /** Looks at the file now. */
  check(): void {
    const inode = inodeOf(this.#path);
    if (inode === this.#inodes[0]) return;
    try {
      if (inode === undefined) this.#restore();
      else if (looksLikeDatabase(this.#path)) this.#reopen(`was replaced by another database while running; now using that file (what this server wrote since, up to ${CHECK_MS / 1000} s, stays in the old one)`);
      else throw new Error("something that is not a SQLite database is in its place; move it away");
      this.#failing = undefined;
    } catch (error) {
      // Writes to a file no one can open again would be lost at exit: refused, they wait in memory (usage) or fail with 503 (tokens).
      if (this.#db.open) this.#db.pragma("query_only = ON");
      const message = databaseError(this.#path, error).message;
      if (message !== this.#failing) this.#log(`Database ${this.#path} was deleted or replaced while running and is not restored; serving reads from the open copy, writes wait, retrying every ${CHECK_MS / 1000} s: ${message}`);
      this.#failing = message;
    }
  }

  close(): void {
    clearInterval(this.#timer);
    this.check();
    this.#db.close();
  }

  #inodesNow(): (number | undefined)[] {
    return ["", "-wal", "-shm"].map((suffix) => inodeOf(this.#path + suffix));
  }

  /** Writes the open copy back under the path: through a temporary name, so no half file is ever seen there. */
  #restore(): void {
    const partial = `${this.#path}.restoring`;
    rmSync(partial, { force: true });
    // A failed try left the copy refusing writes, VACUUM INTO among them.
    this.#db.pragma("query_only = OFF");
    this.#db.prepare("VACUUM INTO ?").run(partial);
    this.#reopen("was deleted while running; restored it from the open copy with every account, token and usage row so far", () => renameSync(partial, this.#path));
  }

  /**
   * The old handle closes first, and its -wal and -shm go with it: a file opened beside another
   * database's log would replay that log into itself. A -wal that came with a new file stays.
   */
  #reopen(what: string, before?: () => void): void {
    this.#db.close();
    const now = this.#inodesNow();
    for (const [i, suffix] of [[1, "-wal"], [2, "-shm"]] as const) if (now[i] !== undefined && now[i] === this.#inodes[i]) rmSync(this.#path + suffix, { force: true });
    before?.();
    this.#db = openDatabase(this.#dataDir, this.#options);
    this.#inodes = this.#inodesNow();
    this.#log(`Database ${this.#path} ${what}`);
  }
}
