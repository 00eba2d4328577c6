import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { OutpostError, type Principal } from "../contract/index.js";
import { setAccountLimits } from "./accounts.js";
import { openDatabase } from "./database.js";
import { RateLimiter } from "./limits.js";
import { UsageLog } from "./usage.js";

const dir = mkdtempSync(join(tmpdir(), "outpost-limits-"));
const db = openDatabase(dir);
let now = Date.parse("2026-12-01T23:59:00Z");
const usage = new UsageLog({ db }, { rateOf: () => ({ input: 1_000_000 }), retentionDays: 30, clock: () => now });
const limiter = new RateLimiter({ db }, usage, { rateLimits: true, dailyNeurons: 0, clock: () => now });
after(() => {
  usage.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const acme: Principal = { tokenId: "tok_a", account: "acme", scope: "run", models: [] };
const refusal = (code: string) => (error: unknown) => error instanceof OutpostError && error.code === code && error.status === 429;

test("text generation: 300 a minute by default, then 429 with Retry-After; the bucket refills", () => {
  for (let i = 0; i < 300; i += 1) limiter.admit(acme, "@cf/meta/llama-3.1-8b-instruct", "text-generation");
  let thrown: OutpostError | undefined;
  try {
    limiter.admit(acme, "@cf/meta/llama-3.1-8b-instruct", "text-generation");
  } catch (error) {
    thrown = error as OutpostError;
  }
  assert.ok(thrown && refusal("RATE_LIMITED")(thrown));
  assert.equal(thrown.internalCode, 3040);
  assert.equal(thrown.retryAfterS, 1);
  // Another task has its own bucket; a model with its own published limit too.
  limiter.admit(acme, "@cf/baai/bge-base-en-v1.5", "text-embeddings");
  limiter.admit(acme, "@cf/microsoft/phi-2", "text-generation");
  now += 200;
  limiter.admit(acme, "@cf/meta/llama-3.1-8b-instruct", "text-generation");
});

test("an account's own limit overrides the table; open-server callers are not limited", () => {
  setAccountLimits(db, "slow", { rateLimits: { "text-generation": 2 } });
  const slow: Principal = { tokenId: "tok_s", account: "slow", scope: "run", models: [] };
  limiter.admit(slow, "@cf/x", "text-generation");
  limiter.admit(slow, "@cf/x", "text-generation");
  assert.throws(() => limiter.admit(slow, "@cf/x", "text-generation"), (e: unknown) => refusal("RATE_LIMITED")(e) && (e as OutpostError).retryAfterS === 30);
  for (let i = 0; i < 1_000; i += 1) limiter.admit({ account: "local", scope: "admin", models: [] }, "@cf/x", "text-generation");
});

test("the daily neuron allocation: past it 429 code 3036 until 00:00 UTC", () => {
  setAccountLimits(db, "capped", { dailyNeurons: 10 });
  const capped: Principal = { tokenId: "tok_c", account: "capped", scope: "run", models: [] };
  limiter.admit(capped, "@cf/x", "text-embeddings");
  usage.record({ at: new Date(now).toISOString(), model: "@cf/x", task: "text-embeddings", status: 200, latencyMs: 1, account: "capped", promptTokens: 10 });
  let thrown: OutpostError | undefined;
  try {
    limiter.admit(capped, "@cf/x", "text-embeddings");
  } catch (error) {
    thrown = error as OutpostError;
  }
  assert.ok(thrown && refusal("ALLOCATION_EXCEEDED")(thrown));
  assert.equal(thrown.internalCode, 3036);
  assert.match(thrown.message, /daily allocation of 10 neurons/);
  assert.equal(thrown.retryAfterS, 60);
  now += 60_000;
  limiter.admit(capped, "@cf/x", "text-embeddings");
});

test("in a network each node admits its share: limit / nodes, and at least one request", () => {
  let nodes = 2;
  const shared = new RateLimiter({ db }, usage, { rateLimits: true, dailyNeurons: 0, nodes: () => nodes, clock: () => now });
  setAccountLimits(db, "pair", { rateLimits: { "text-generation": 10, "text-embeddings": 1 } });
  const pair: Principal = { tokenId: "tok_p", account: "pair", scope: "run", models: [] };
  for (let i = 0; i < 5; i += 1) shared.admit(pair, "@cf/x", "text-generation");
  assert.throws(() => shared.admit(pair, "@cf/x", "text-generation"), (e: unknown) => refusal("RATE_LIMITED")(e) && (e as OutpostError).retryAfterS === 12);
  // Half of one request a minute still admits one.
  shared.admit(pair, "@cf/x", "text-embeddings");
  assert.throws(() => shared.admit(pair, "@cf/x", "text-embeddings"), refusal("RATE_LIMITED"));
  nodes = 1;
  now += 30_000;
  for (let i = 0; i < 5; i += 1) shared.admit(pair, "@cf/x", "text-generation");
});
