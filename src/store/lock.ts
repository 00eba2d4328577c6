import { randomUUID } from "node:crypto";
import { open, readFile, rm, stat, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { LOCK_HEARTBEAT_MS, LOCK_STALE_MS } from "./constants.js";

interface LockInfo {
  pid: number;
  host: string;
  token: string;
}

/** Tokens of the locks this process holds, to tell our own live lock from a stale one with a reused pid. */
const HELD = new Set<string>();

/**
 * A lock file guarding one partial download across processes (`outpost pull` beside a running
 * server). The holder touches it every LOCK_HEARTBEAT_MS. It is stale, and may be broken, when
 * its process is gone on this host (killed mid-pull), or when nobody touched it for
 * LOCK_STALE_MS (a frozen process, or one on another host sharing the data dir). Breaking it is
 * unlink-then-create: two waiters breaking the same stale lock in the same instant could both
 * win, which needs a crash and two new pulls within one poll interval.
 */
export class PullLock {
  readonly #path: string;
  readonly #token: string;
  readonly #heartbeat: NodeJS.Timeout;

  private constructor(path: string, token: string) {
    this.#path = path;
    this.#token = token;
    HELD.add(token);
    this.#heartbeat = setInterval(() => {
      const now = new Date();
      utimes(path, now, now).catch(() => undefined);
    }, LOCK_HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  /**
   * Takes the lock, waiting while another live process holds it. `whileWaiting` runs on each
   * poll; when it returns true (the other process finished the work) this resolves undefined.
   */
  static async acquire(path: string, signal: AbortSignal, whileWaiting: () => Promise<boolean>): Promise<PullLock | undefined> {
    const info: LockInfo = { pid: process.pid, host: hostname(), token: randomUUID() };
    for (;;) {
      signal.throwIfAborted();
      try {
        const file = await open(path, "wx");
        await file.writeFile(JSON.stringify(info));
        await file.close();
        return new PullLock(path, info.token);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      if (await isStale(path)) {
        await rm(path, { force: true });
        continue;
      }
      if (await whileWaiting()) return undefined;
      await sleep(LOCK_HEARTBEAT_MS / 4, undefined, { signal });
    }
  }

  async release(): Promise<void> {
    clearInterval(this.#heartbeat);
    HELD.delete(this.#token);
    const current = await readLock(this.#path);
    if (current?.token === this.#token) await rm(this.#path, { force: true });
  }
}

async function isStale(path: string): Promise<boolean> {
  const [info, stats] = await Promise.all([readLock(path), stat(path).catch(() => undefined)]);
  // Vanished, or caught between create and write: not stale, just poll again.
  if (!stats) return false;
  if (Date.now() - stats.mtimeMs > LOCK_STALE_MS) return true;
  if (!info || info.host !== hostname()) return false;
  if (info.pid === process.pid) return !HELD.has(info.token);
  return !processAlive(info.pid);
}

async function readLock(path: string): Promise<LockInfo | undefined> {
  try {
    const value = JSON.parse(await readFile(path, "utf8")) as Partial<LockInfo>;
    return typeof value.pid === "number" && typeof value.host === "string" && typeof value.token === "string" ? (value as LockInfo) : undefined;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
