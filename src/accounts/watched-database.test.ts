import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import Sqlite from "better-sqlite3";
import { DATABASE_FILE, openDatabase } from "./database.js";
import { TokenStore } from "./tokens.js";
import { UsageLog } from "./usage.js";
import { WatchedDatabase } from "./watched-database.js";

const withServer = (fn: (dir: string, db: WatchedDatabase, lines: string[]) => void) => {
  const dir = mkdtempSync(join(tmpdir(), "outpost-watched-"));
  const lines: string[] = [];
  const db = new WatchedDatabase(dir, { log: (line) => lines.push(line) });
  try {
    fn(dir, db, lines);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
};

/** What another process (the CLI, the next start) finds in the file now. */
const onDisk = <T>(dir: string, sql: string): T[] => {
  const reader = new Sqlite(join(dir, DATABASE_FILE), { readonly: true, fileMustExist: true });
  try {
    return reader.prepare(sql).all() as T[];
  } finally {
    reader.close();
  }
};

const record = (model: string) => ({ at: new Date().toISOString(), model, task: "text-generation", status: 200, latencyMs: 1, account: "acme", tokenId: "tok_1", promptTokens: 1 });

test("a database deleted while running is written back from the open copy: tokens and usage survive, later rows land in the file", () => {
  withServer((dir, db, lines) => {
    const tokens = new TokenStore(db);
    const usage = new UsageLog(db, { rateOf: () => undefined, retentionDays: 30 });
    const { token } = tokens.create({ account: "acme", scope: "run" });
    usage.record(record("@cf/before"));
    assert.equal(usage.flush(), true);
    // The main file only: its -wal and -shm stay behind, and must not be replayed into the restored file.
    unlinkSync(join(dir, DATABASE_FILE));
    assert.ok(!existsSync(join(dir, DATABASE_FILE)));
    db.check();
    assert.match(lines.at(-1)!, /outpost\.db was deleted while running; restored it from the open copy/);
    usage.record(record("@cf/after"));
    assert.equal(usage.flush(), true);
    assert.equal(usage.pending(), 0);
    assert.deepEqual(onDisk<{ model: string }>(dir, "SELECT model FROM requests ORDER BY id").map((r) => r.model), ["@cf/before", "@cf/after"]);
    assert.equal(tokens.verify(token)?.account, "acme");
    assert.equal(onDisk(dir, "SELECT id FROM tokens").length, 1);
    usage.close();
  });
});

test("a database replaced while running (a backup moved in) is opened in its place", () => {
  withServer((dir, db, lines) => {
    const tokens = new TokenStore(db);
    tokens.create({ account: "old", scope: "run" });
    const other = mkdtempSync(join(tmpdir(), "outpost-backup-"));
    const backup = openDatabase(other);
    new TokenStore({ db: backup }).create({ account: "restored", scope: "admin" });
    backup.close();
    renameSync(join(other, DATABASE_FILE), join(dir, DATABASE_FILE));
    rmSync(other, { recursive: true, force: true });
    db.check();
    assert.match(lines.at(-1)!, /was replaced by another database while running; now using that file/);
    assert.deepEqual(tokens.list().map((t) => t.account), ["restored"]);
  });
});

test("while the file cannot be written back, or something else is in its place, the open copy serves reads and usage waits", () => {
  withServer((dir, db, lines) => {
    const tokens = new TokenStore(db);
    const usage = new UsageLog(db, { rateOf: () => undefined, retentionDays: 30 });
    const { token } = tokens.create({ account: "acme", scope: "run" });
    // A directory where the restored copy is first written: the restore fails, whoever runs the test.
    mkdirSync(join(dir, `${DATABASE_FILE}.restoring`, "busy"), { recursive: true });
    unlinkSync(join(dir, DATABASE_FILE));
    db.check();
    db.check();
    assert.equal(lines.filter((line) => /was deleted or replaced while running and is not restored; serving reads from the open copy/.test(line)).length, 1);
    assert.equal(tokens.verify(token)?.account, "acme");
    // Writes to the deleted file would vanish with it: they wait in memory instead.
    usage.record(record("@cf/held"));
    assert.equal(usage.flush(), false);
    assert.equal(usage.pending(), 1);
    writeFileSync(join(dir, DATABASE_FILE), "not a database");
    db.check();
    assert.match(lines.at(-1)!, /something that is not a SQLite database is in its place/);
    assert.equal(tokens.verify(token)?.account, "acme");
    rmSync(join(dir, DATABASE_FILE));
    rmSync(join(dir, `${DATABASE_FILE}.restoring`), { recursive: true });
    db.check();
    assert.match(lines.at(-1)!, /restored it from the open copy/);
    assert.equal(usage.flush(), true);
    assert.deepEqual(onDisk<{ model: string }>(dir, "SELECT model FROM requests").map((r) => r.model), ["@cf/held"]);
    usage.close();
  });
});
