import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { modelAllowed, OutpostError } from "../contract/index.js";
import { openDatabase } from "./database.js";
import { parseDuration, TokenStore } from "./tokens.js";

const dir = mkdtempSync(join(tmpdir(), "outpost-tokens-"));
const db = openDatabase(dir);
let now = Date.parse("2026-12-01T00:00:00Z");
const store = new TokenStore({ db }, () => now);
after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

test("only the hash is stored; the secret verifies to its account, scope and models", () => {
  assert.equal(store.enabled(), false);
  const { token, info } = store.create({ account: "acme", scope: "run", models: ["@cf/meta/*"], name: "ci" });
  assert.equal(store.enabled(), true);
  assert.match(token, /^opk_[A-Za-z0-9_-]{43}$/);
  assert.equal(JSON.stringify(db.prepare("SELECT * FROM tokens").all()).includes(token.slice(4)), false);
  assert.deepEqual(store.verify(token), { tokenId: info.id, account: "acme", scope: "run", models: ["@cf/meta/*"] });
  assert.deepEqual(store.principal(info.id), store.verify(token));
});

test("malformed, unknown, near-miss, expired and revoked tokens verify to nothing", () => {
  const { token, info } = store.create({ account: "acme", scope: "read", expiresInMs: 60_000 });
  const last = token.at(-1) === "A" ? "B" : "A";
  for (const bad of ["", "opk_", "Bearer x", token.slice(0, -1), token.slice(0, -1) + last, `${token}x`, token.toUpperCase()]) assert.equal(store.verify(bad), undefined, bad);
  assert.ok(store.verify(token));
  now += 60_000;
  assert.equal(store.verify(token), undefined, "expired");
  now -= 60_000;
  assert.equal(store.revoke(info.id), true);
  assert.equal(store.revoke(info.id), false);
  assert.equal(store.verify(token), undefined, "revoked");
  assert.ok(store.list().find((t) => t.id === info.id)?.revokedAt);
});

test("invalid accounts and scopes are refused", () => {
  assert.throws(() => store.create({ account: "a b", scope: "run" }), (e: unknown) => e instanceof OutpostError && e.code === "INPUT_INVALID");
  assert.throws(() => store.create({ account: "acme", scope: "root" as "run" }), /Invalid scope 'root'/);
});

test("durations and model globs", () => {
  assert.equal(parseDuration("30d"), 30 * 86_400_000);
  assert.equal(parseDuration("12h"), 12 * 3_600_000);
  assert.equal(parseDuration("0d"), undefined);
  assert.equal(parseDuration("1w"), undefined);
  assert.equal(modelAllowed([], "@cf/x/y"), true);
  assert.equal(modelAllowed(["@cf/meta/*"], "@cf/meta/llama-3.1-8b-instruct"), true);
  assert.equal(modelAllowed(["@cf/meta/*"], "@cf/mistral/x"), false);
  assert.equal(modelAllowed(["*-embeddings"], "@cf/karpathy/tinyllamas-stories-260k-embeddings"), true);
  assert.equal(modelAllowed(["@cf/a.b"], "@cf/aXb"), false);
});

test("another process's first token turns auth on at once; its revoking the last turns it off within a second", () => {
  const shared = mkdtempSync(join(tmpdir(), "outpost-tokens-"));
  const serverDb = openDatabase(shared);
  const cliDb = openDatabase(shared);
  let t = 0;
  const server = new TokenStore({ db: serverDb }, () => t);
  const cli = new TokenStore({ db: cliDb }, () => t);
  try {
    assert.equal(server.enabled(), false);
    const { info } = cli.create({ account: "acme", scope: "admin" });
    assert.equal(server.enabled(), true, "a server with no tokens asks every time");
    assert.equal(cli.revoke(info.id), true);
    t += 999;
    assert.equal(server.enabled(), true, "tokens existing is answered from memory: it fails closed");
    t += 1;
    assert.equal(server.enabled(), false, "asked again after a second");
    const own = server.create({ account: "acme", scope: "run" });
    assert.equal(server.enabled(), true, "its own token at once");
    assert.equal(server.revoke(own.info.id), true);
    assert.equal(server.enabled(), false, "its own revocation at once");
  } finally {
    serverDb.close();
    cliDb.close();
    rmSync(shared, { recursive: true, force: true });
  }
});
