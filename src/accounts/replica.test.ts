import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { listAccounts, setAccountLimits } from "./accounts.js";
import { openDatabase } from "./database.js";
import { ReplicatedAccounts } from "./replica.js";
import { TokenStore } from "./tokens.js";

const dirs: string[] = [];
const node = () => {
  const dir = mkdtempSync(join(tmpdir(), "outpost-replica-"));
  dirs.push(dir);
  const db = openDatabase(dir);
  return { db, tokens: new TokenStore({ db }), replica: new ReplicatedAccounts({ db }) };
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Merges every record of `from` into `to`, as the bucket would carry them. */
const send = (from: ReturnType<typeof node>, to: ReturnType<typeof node>) => {
  for (const { key, value } of from.replica.records()) to.replica.merge(key, value);
};

test("a token merged into another node's database verifies there; its record carries the hash, not the secret", () => {
  const [a, b] = [node(), node()];
  const { token } = a.tokens.create({ account: "acme", scope: "run", models: ["@cf/meta/*"] });
  send(a, b);
  assert.deepEqual(b.tokens.verify(token), a.tokens.verify(token));
  assert.doesNotMatch(JSON.stringify(a.replica.records()), /opk_/);
  assert.deepEqual(b.replica.records(), a.replica.records());
});

test("revocation wins whichever way values cross, and both sides end with the same record", () => {
  const [a, b] = [node(), node()];
  const { token, info } = a.tokens.create({ account: "acme", scope: "run" });
  send(a, b);
  b.tokens.revoke(info.id);
  // a's stale, unrevoked value arrives after the revocation: it does not bring the token back.
  send(a, b);
  assert.equal(b.tokens.verify(token), undefined);
  send(b, a);
  assert.equal(a.tokens.verify(token), undefined);
  assert.deepEqual(a.replica.records(), b.replica.records());
});

test("an account's limits: the latest change wins on both sides", async () => {
  const [a, b] = [node(), node()];
  setAccountLimits(a.db, "acme", { rateLimits: { "text-generation": 10 } });
  await new Promise((r) => setTimeout(r, 5));
  setAccountLimits(b.db, "acme", { rateLimits: { "text-generation": 20 }, dailyNeurons: 500 });
  send(a, b);
  send(b, a);
  for (const side of [a, b]) assert.deepEqual(listAccounts(side.db).map((x) => [x.rateLimits, x.dailyNeurons]), [[{ "text-generation": 20 }, 500]]);
  assert.deepEqual(a.replica.records(), b.replica.records());
});
