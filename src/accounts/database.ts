import { mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import Sqlite from "better-sqlite3";
import { OutpostError } from "../contract/index.js";
import { MIGRATIONS } from "./migrations.js";

export type Database = Sqlite.Database;

/** The file in the data dir that holds accounts, tokens and usage. */
export const DATABASE_FILE = "outpost.db";

/** How long a write waits for another process's (the CLI's) lock before SQLITE_BUSY, in ms. */
const BUSY_TIMEOUT_MS = 5_000;

/** What to do about each SQLite failure an operator can meet at startup. */
const HINTS: Record<string, string> = {
  SQLITE_NOTADB: "it is not a SQLite database. Move it aside to start with an empty one (its accounts and tokens are then gone)",
  SQLITE_CORRUPT: "it is damaged. Restore it from a backup, or move it aside to start with an empty one",
  SQLITE_BUSY: "another process holds it locked. Stop that process, or wait and retry",
  SQLITE_LOCKED: "another process holds it locked. Stop that process, or wait and retry",
  SQLITE_READONLY: "it cannot be written. Check that the file, its -wal and -shm files and the data dir are writable by this user",
  SQLITE_CANTOPEN: "it cannot be opened. Check that the data dir exists and is writable by this user",
  SQLITE_FULL: "the disk is full. Free some space",
};

const statements = new WeakMap<Database, Map<string, Sqlite.Statement>>();

/** `sql` prepared on `db`, once per handle: a reopened database gets its own. */
export function statement<P extends unknown[] = unknown[], R = unknown>(db: Database, sql: string): Sqlite.Statement<P, R> {
  let known = statements.get(db);
  if (!known) statements.set(db, (known = new Map()));
  let prepared = known.get(sql);
  if (!prepared) known.set(sql, (prepared = db.prepare(sql)));
  return prepared as Sqlite.Statement<P, R>;
}

/** Wraps a SQLite failure into DATABASE_UNAVAILABLE, naming the file (not its directory: clients see it) and what to do. */
export function databaseError(path: string, error: unknown): OutpostError {
  const code = (error as { code?: string }).code ?? "";
  const base = Object.keys(HINTS).find((known) => code === known || code.startsWith(`${known}_`));
  const hint = base ? HINTS[base] : (error as Error).message;
  return new OutpostError("DATABASE_UNAVAILABLE", `Database ${basename(path)}: ${hint} (${code || (error as Error).message})`, { cause: error });
}

/** Runs a query, turning a SQLite failure at run time (locked, full, damaged, deleted) into DATABASE_UNAVAILABLE (503). */
export function guarded<T>(db: Database, query: () => T): T {
  try {
    return query();
  } catch (error) {
    throw error instanceof OutpostError ? error : databaseError(db.name, error);
  }
}

/**
 * Opens (or creates) the data dir's database: WAL so the server reads while the CLI writes,
 * commits synced at checkpoints, foreign keys on, every pending migration applied in one
 * transaction. A file that is not a database, damaged, locked or read-only throws
 * DATABASE_UNAVAILABLE; nothing is recreated silently.
 */
export function openDatabase(dataDir: string, options: { readonly?: boolean; busyTimeoutMs?: number } = {}): Database {
  const path = join(dataDir, DATABASE_FILE);
  let db: Database | undefined;
  try {
    if (!options.readonly) mkdirSync(dataDir, { recursive: true });
    db = new Sqlite(path, { readonly: options.readonly === true, fileMustExist: options.readonly === true, timeout: BUSY_TIMEOUT_MS });
    if (!options.readonly) db.pragma("journal_mode = WAL");
    // In WAL mode NORMAL loses no commit to a crash of the process, only to one of the machine
    // (power, kernel), and never corrupts the file. FULL fsynced every commit on the server's
    // event loop, and every request commits its usage row: 0.3 ms a request, 4 ms at p90, 33 ms
    // at worst on a shared disk here.
    if (!options.readonly) db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    // quick_check reads every page: a damaged file is found now, not at the first request.
    const check = db.pragma("quick_check", { simple: true });
    if (check !== "ok") throw Object.assign(new Error(String(check)), { code: "SQLITE_CORRUPT" });
    if (!options.readonly) migrate(db);
    // better-sqlite3 waits for a lock on the event loop: a server waits less than the CLI does.
    if (options.busyTimeoutMs !== undefined) db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
    return db;
  } catch (error) {
    db?.close();
    throw databaseError(path, error);
  }
}

function migrate(db: Database): void {
  const applied = db.pragma("user_version", { simple: true }) as number;
  if (applied > MIGRATIONS.length) throw new Error(`it was written by a newer Outpost (schema ${applied}, this one knows ${MIGRATIONS.length})`);
  if (applied === MIGRATIONS.length) return;
  db.transaction(() => {
    for (const sql of MIGRATIONS.slice(applied)) db.exec(sql);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
