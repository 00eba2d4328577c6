import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import Sqlite from "better-sqlite3";
import { Registry } from "prom-client";
import { OutpostError, type RequestRecord } from "../contract/index.js";
import { DATABASE_FILE, openDatabase } from "./database.js";
import { TokenStore } from "./tokens.js";
import { queryRequests, queryUsage, UsageLog } from "./usage.js";

const dir = mkdtempSync(join(tmpdir(), "outpost-usage-"));
// The server's short busy timeout, so a held lock fails fast.
const db = openDatabase(dir, { busyTimeoutMs: 50 });
const lines: string[] = [];
const registry = new Registry();
let now = Date.parse("2026-12-01T10:30:00Z");
const rates: Record<string, { input?: number; output?: number; unit?: string }> = { "@cf/m/llm": { input: 1_000_000, output: 2_000_000 }, "@cf/m/image": { input: 0.5, unit: "image" } };
const log = new UsageLog({ db }, { rateOf: (model) => rates[model], retentionDays: 1, log: (line) => lines.push(line), registry, clock: () => now });
after(() => {
  log.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const request = (over: Partial<RequestRecord> = {}): RequestRecord => ({ at: new Date(now).toISOString(), model: "@cf/m/llm", task: "text-generation", status: 200, latencyMs: 5, account: "acme", tokenId: "tok_1", promptTokens: 3, completionTokens: 2, ...over });

test("each request is metered in neurons from its model's rate, per account, model and hour, and logged", async () => {
  log.record(request());
  log.record(request({ status: 429, promptTokens: undefined, completionTokens: undefined }));
  log.record(request({ model: "@cf/m/image", task: "text-to-image", promptTokens: undefined, completionTokens: undefined }));
  log.record(request({ model: "@cf/other", promptTokens: 1_000_000, completionTokens: 0 }));
  assert.equal(queryRequests(db, { limit: 10 }).length, 0, "written together, after the batch's wait");
  assert.equal(log.pending(), 4);
  assert.equal(log.usage({ by: "account", page: 1, perPage: 10 }).rows[0]?.requests, 4, "a read writes what waits first");
  const byModel = queryUsage(db, { account: "acme", by: "model", page: 1, perPage: 10 });
  assert.equal(byModel.total, 3);
  assert.deepEqual(
    byModel.rows.map((r) => [r.key, r.requests, r.errors, r.neurons]),
    [
      ["@cf/other", 1, 0, 25_608], // the default text-generation rate
      ["@cf/m/llm", 2, 1, 7], // 3 × 1 + 2 × 2; the 429 costs nothing
      ["@cf/m/image", 1, 0, 0.5],
    ],
  );
  assert.deepEqual(queryUsage(db, { by: "hour", page: 1, perPage: 10 }).rows.map((r) => r.key), ["2026-12-01T10:00:00.000Z"]);
  // A `from` inside an hour counts that hour whole: usage is kept per hour, not per request.
  const fromLater = new Date(now + 20 * 60_000).toISOString(); // 10:50, in the 10:00 hour
  assert.equal(queryUsage(db, { account: "acme", by: "model", from: fromLater, page: 1, perPage: 10 }).total, 3);
  assert.equal(queryUsage(db, { account: "acme", by: "model", from: new Date(now + 30 * 60_000).toISOString(), page: 1, perPage: 10 }).total, 0);
  assert.equal(queryUsage(db, { by: "model", page: 2, perPage: 2 }).rows.length, 1);
  const logged = queryRequests(db, { account: "acme", limit: 10 });
  assert.equal(logged.length, 4);
  assert.equal(logged.find((r) => r.status === 429)?.neurons, 0);
  assert.equal(log.neuronsToday("acme"), 25_608 + 7 + 0.5);
  assert.match(await registry.metrics(), /outpost_neurons_total\{account="acme",model="@cf\/m\/llm"\} 7/);
});

test("a refusal is in the request log with its code, and not in the usage totals, which count what ran", () => {
  const before = queryUsage(db, { by: "account", page: 1, perPage: 10 }).rows;
  log.refused(request({ status: 429, code: "RATE_LIMITED", error: "Rate limited", promptTokens: undefined, completionTokens: undefined, model: "@cf/m/refused" }));
  assert.equal(log.flush(), true);
  assert.deepEqual(queryUsage(db, { by: "account", page: 1, perPage: 10 }).rows, before);
  const [row] = queryRequests(db, { model: "@cf/m/refused", limit: 10 });
  assert.deepEqual(
    { status: row?.status, code: row?.code, error: row?.error, account: row?.account, tokenId: row?.tokenId, neurons: row?.neurons },
    { status: 429, code: "RATE_LIMITED", error: "Rate limited", account: "acme", tokenId: "tok_1", neurons: 0 },
  );
});

test("while another process holds the database locked, usage waits in memory and nothing is lost", async () => {
  const before = queryUsage(db, { by: "account", page: 1, perPage: 10 }).rows[0]!.requests;
  const holder = new Sqlite(join(dir, DATABASE_FILE));
  holder.exec("BEGIN IMMEDIATE; INSERT INTO accounts (id, created_at) VALUES ('held', 'now');");
  try {
    for (let i = 0; i < 3; i += 1) log.record(request());
    assert.equal(log.flush(), false);
    assert.equal(log.pending(), 3);
    assert.match(lines.at(-1)!, /Usage not written, held in memory.*another process holds it locked/);
    assert.match(await registry.metrics(), /outpost_usage_pending_rows 3/);
    assert.equal(log.neuronsToday("acme"), 25_608 + 7 + 0.5 + 3 * 7, "held rows count against the allocation");
  } finally {
    holder.exec("COMMIT");
    holder.close();
  }
  assert.equal(log.flush(), true);
  assert.equal(log.pending(), 0);
  assert.match(lines.at(-1)!, /Usage written again: 3 held rows/);
  assert.equal(queryUsage(db, { by: "account", account: "acme", page: 1, perPage: 10 }).rows[0]!.requests, before + 3);
});

test("a full disk (SQLite's page limit reached) holds rows until there is room", () => {
  const pages = db.pragma("page_count", { simple: true }) as number;
  db.pragma(`max_page_count = ${pages}`);
  const big = "x".repeat(4_000);
  try {
    // Each row is bigger than a page's free space, so the file must grow and cannot.
    for (let i = 0; i < 5; i += 1) log.record(request({ model: `@cf/m/${big}${i}` }));
    assert.equal(log.flush(), false);
    assert.equal(log.pending(), 5);
    assert.match(lines.at(-1)!, /the disk is full/);
  } finally {
    db.pragma("max_page_count = 4294967294");
  }
  assert.equal(log.flush(), true);
  assert.equal(queryRequests(db, { limit: 100 }).filter((r) => r.model.includes(big)).length, 5);
});

test("a database that refuses writes (read-only: PRAGMA query_only, which binds root too) holds usage; token changes fail with 503", () => {
  db.pragma("query_only = ON");
  try {
    log.record(request({ model: "@cf/m/readonly" }));
    assert.equal(log.flush(), false);
    assert.equal(log.pending(), 1);
    assert.match(lines.at(-1)!, /Usage not written, held in memory.*it cannot be written/);
    assert.throws(() => new TokenStore({ db }).create({ account: "acme", scope: "run" }), (error: unknown) => error instanceof OutpostError && error.code === "DATABASE_UNAVAILABLE" && error.status === 503 && /cannot be written/.test(error.message));
  } finally {
    db.pragma("query_only = OFF");
  }
  assert.equal(log.flush(), true);
  assert.equal(queryRequests(db, { model: "@cf/m/readonly", limit: 10 }).length, 1);
});

test("the request log keeps its retention; usage totals stay", () => {
  const total = queryUsage(db, { by: "account", account: "acme", page: 1, perPage: 10 }).rows[0]!.requests;
  now += 2 * 86_400_000;
  log.prune();
  assert.equal(queryRequests(db, { limit: 100 }).length, 0);
  assert.equal(queryUsage(db, { by: "account", account: "acme", page: 1, perPage: 10 }).rows[0]!.requests, total);
  assert.equal(log.neuronsToday("acme"), 0, "a new UTC day");
});

test("rows wait at most a batch's time, and a clean close writes what waits", async () => {
  const before = queryRequests(db, { limit: 1000 }).length;
  log.record(request({ model: "@cf/m/batched" }));
  assert.equal(queryRequests(db, { limit: 1000 }).length, before);
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal(log.pending(), 0);
  assert.equal(queryRequests(db, { limit: 1000 }).length, before + 1);
  const other = new UsageLog({ db }, { rateOf: () => undefined, retentionDays: 1, clock: () => now });
  other.refused(request({ status: 429, code: "QUEUE_FULL", model: "@cf/m/closing" }));
  other.close();
  assert.equal(queryRequests(db, { model: "@cf/m/closing", limit: 10 }).length, 1);
});
