import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { RequestRecord } from "../contract/index.js";
import { openDatabase } from "./database.js";
import { percentile, queryLatency } from "./latency.js";
import { queryUsage, UsageLog } from "./usage.js";

const dir = mkdtempSync(join(tmpdir(), "outpost-latency-"));
const db = openDatabase(dir);
const now = Date.parse("2026-12-01T10:30:00Z");
const log = new UsageLog({ db }, { rateOf: () => undefined, retentionDays: 30, clock: () => now });
after(() => {
  log.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const request = (over: Partial<RequestRecord>): RequestRecord => ({ at: new Date(now).toISOString(), model: "@cf/m/a", task: "text-generation", status: 200, latencyMs: 1, account: "acme", ...over });

test("the nearest-rank percentile is an observed value", () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(values, 50), 50);
  assert.equal(percentile(values, 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.equal(percentile([3, 9], 50), 3);
  assert.equal(percentile([], 50), 0);
});

test("p50/p99 per model from the request log, busiest first, with non-2xx counted as errors and the account and time filters applied", () => {
  for (let ms = 1; ms <= 100; ms++) log.record(request({ latencyMs: ms }));
  log.record(request({ model: "@cf/m/b", latencyMs: 40, status: 400, error: "bad input" }));
  log.record(request({ model: "@cf/m/b", latencyMs: 10 }));
  log.refused(request({ model: "@cf/m/b", latencyMs: 1, status: 429 }));
  log.record(request({ model: "@cf/m/c", latencyMs: 5, account: "other" }));
  log.record(request({ model: "@cf/m/a", latencyMs: 9_999, at: "2026-11-01T00:00:00.000Z" }));

  assert.equal(log.flush(), true);
  const rows = queryLatency(db, { account: "acme", from: "2026-12-01T00:00:00.000Z" });
  assert.deepEqual(rows, [
    { model: "@cf/m/a", requests: 100, errors: 0, p50Ms: 50, p99Ms: 99 },
    { model: "@cf/m/b", requests: 3, errors: 2, p50Ms: 10, p99Ms: 40 },
  ]);
  assert.deepEqual(log.latency({ model: "@cf/m/c" }), [{ model: "@cf/m/c", requests: 1, errors: 0, p50Ms: 5, p99Ms: 5 }]);
  assert.equal(queryLatency(db, { to: "2026-11-02T00:00:00.000Z" })[0]?.p99Ms, 9_999);
  // The usage totals the same page reads count what ran (the 429 refusal is not in them).
  assert.deepEqual(queryUsage(db, { account: "acme", model: "@cf/m/b", by: "day", page: 1, perPage: 10 }).rows.map((r) => [r.key, r.requests, r.errors]), [["2026-12-01", 2, 1]]);
});
