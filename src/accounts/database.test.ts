import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import Sqlite from "better-sqlite3";
import { OutpostError } from "../contract/index.js";
import { DATABASE_FILE, openDatabase } from "./database.js";
import { MIGRATIONS } from "./migrations.js";

const withDir = (fn: (dir: string) => void) => {
  const dir = mkdtempSync(join(tmpdir(), "outpost-db-"));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const unavailable = (pattern: RegExp) => (error: unknown) => error instanceof OutpostError && error.code === "DATABASE_UNAVAILABLE" && pattern.test(error.message);

test("a new database is created in WAL mode, synced at checkpoints, with every migration applied, and reopens unchanged", () => {
  withDir((dir) => {
    const db = openDatabase(dir);
    assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
    // 1 is NORMAL: a commit is not fsynced on the event loop (SQLite's default, FULL, is 2).
    assert.equal(db.pragma("synchronous", { simple: true }), 1);
    assert.equal(db.pragma("user_version", { simple: true }), MIGRATIONS.length);
    db.prepare("INSERT INTO accounts (id, created_at) VALUES ('a', 'now')").run();
    db.close();
    const again = openDatabase(dir);
    assert.deepEqual(again.prepare("SELECT id FROM accounts").all(), [{ id: "a" }]);
    again.close();
  });
});

test("a file that is not a database is a clear error and is left as it was", () => {
  withDir((dir) => {
    writeFileSync(join(dir, DATABASE_FILE), "this is not sqlite, just some text that is long enough to look like a header ".repeat(20));
    assert.throws(() => openDatabase(dir), unavailable(/outpost\.db: it is not a SQLite database\. Move it aside/));
  });
});

test("a damaged database (a SQLite header, garbage pages) is a clear startup error", () => {
  withDir((dir) => {
    const db = openDatabase(dir);
    db.exec("CREATE TABLE filler (x); INSERT INTO filler SELECT randomblob(3000) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) SELECT i FROM n);");
    db.close();
    const path = join(dir, DATABASE_FILE);
    const bytes = readFileSync(path);
    // Past the first page (the header and schema): the b-tree pages themselves.
    bytes.fill(0xa5, 4096, bytes.length);
    writeFileSync(path, bytes);
    assert.throws(() => openDatabase(dir), unavailable(/outpost\.db: it is damaged\. Restore it from a backup/));
  });
});

test("a database path that is not a file (a directory in its place) is a clear startup error, whoever runs it", () => {
  withDir((dir) => {
    mkdirSync(join(dir, DATABASE_FILE));
    assert.throws(() => openDatabase(dir), unavailable(/outpost\.db: it cannot be opened/));
  });
});

test("a database from a newer Outpost is refused rather than migrated down", () => {
  withDir((dir) => {
    const db = openDatabase(dir);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    assert.throws(() => openDatabase(dir), unavailable(/written by a newer Outpost/));
  });
});

test("a database that cannot be written is a clear error", { skip: process.getuid?.() === 0 ? "root writes read-only files; the runtime case is covered with PRAGMA query_only in usage.test.ts" : false }, () => {
  withDir((dir) => {
    openDatabase(dir).close();
    chmodSync(join(dir, DATABASE_FILE), 0o444);
    chmodSync(dir, 0o555);
    try {
      assert.throws(() => openDatabase(dir), unavailable(/cannot be (written|opened)/));
    } finally {
      chmodSync(dir, 0o755);
    }
  });
});

test("a database another process holds locked at startup is a clear error after the busy timeout", () => {
  withDir((dir) => {
    const holder = new Sqlite(join(dir, DATABASE_FILE));
    holder.exec("CREATE TABLE held (x); BEGIN EXCLUSIVE; INSERT INTO held VALUES (1);");
    try {
      assert.throws(() => openDatabase(dir), unavailable(/another process holds it locked/));
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
  });
});
