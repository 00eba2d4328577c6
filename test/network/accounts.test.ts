import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ACCOUNTS_BUCKET } from "../../src/network/constants.js";
import { connectBus, splitServers } from "../../src/network/index.js";
import { startNats, type NatsTopology } from "../helpers/nats.js";
import { postJson, STORIES_EMBEDDINGS } from "../helpers/server.js";
import { createToken, listTokens, tokensCli } from "../helpers/tokens.js";
import { cli, LIS, MAD, startNode, waitFor, waitForMembers, type TestNode } from "./harness.js";

/** How long a token, a revocation or an account's limits may take to reach another node: "within seconds". */
const REPLICATION_BOUND_MS = 5_000;

/**
 * Tokens and accounts across two nodes on a 3-server NATS cluster: each node has its own
 * database, and JetStream KV carries token hashes, scopes, expiry, revocation and limits.
 */
describe("outpost network: tokens and accounts on every node", { timeout: 180_000 }, () => {
  let nats: NatsTopology;
  let lis: TestNode, mad: TestNode;
  let admin: string;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const search = (node: TestNode, token: string) => fetch(`${node.url}/ai/models/search`, { headers: bearer(token) }).then((r) => r.status);
  /** Polls until `probe` holds; returns how long it took, in ms. */
  const within = async (what: string, probe: () => Promise<boolean>) => {
    const started = performance.now();
    await waitFor(what, async () => (await probe()) || undefined, REPLICATION_BOUND_MS);
    return Math.round(performance.now() - started);
  };
  /**
   * Whether a node's database has the token yet, read from the file: polling with the token
   * itself would count as failed sign-ins and get the test's address blocked (api/failure-limiter.ts).
   */
  const hasToken = async (node: TestNode, account: string) => (await listTokens(node.dataDir)).some((t) => t.account === account);

  before(async () => {
    nats = await startNats({ eu: 3 });
    [lis, mad] = await Promise.all([startNode(LIS, nats.urls("eu")), startNode(MAD, nats.urls("eu"))]);
    await waitForMembers(lis, ["mad-1"]);
    // Made on mad with the CLI, so both nodes end up requiring tokens.
    admin = createToken(mad.dataDir, "ops", "admin");
    await within("mad's admin token on lis", async () => hasToken(lis, "ops"));
    assert.equal(await search(lis, admin), 200);
  });
  after(async () => {
    await Promise.all([lis, mad].map((n) => n?.stop()));
    await nats?.stop();
  });

  it("a token created on lis with the CLI works on mad within seconds; revoked on lis, mad refuses it", async () => {
    const token = createToken(lis.dataDir, "acme", "run");
    assert.equal(await search(mad, token), 401, "not there before it replicates");
    const arrived = await within("the token on mad", async () => hasToken(mad, "acme"));
    assert.equal(await search(mad, token), 200);
    const run = await postJson(`${mad.url}/ai/run/${STORIES_EMBEDDINGS}`, { text: ["a"] }, bearer(token));
    assert.equal(run.status, 200, await run.clone().text());
    const id = (JSON.parse(tokensCli(lis.dataDir, ["list", "--json"])) as { id: string; account: string }[]).find((t) => t.account === "acme")!.id;
    assert.equal((await fetch(`${lis.url}/api/tokens/${id}`, { method: "DELETE", headers: bearer(admin) })).status, 200);
    const revoked = await within("the revocation on mad", async () => (await search(mad, token)) === 401);
    assert.match(tokensCli(mad.dataDir, ["list"]), new RegExp(`${id}\\s+acme\\s+run.*revoked`));
    console.log(`# replication: token created on lis usable on mad after ${arrived} ms; revocation refused on mad after ${revoked} ms`);
  });

  it("a token created with the admin API on mad works on lis; the bucket holds its hash, never the secret", async () => {
    const created = await postJson(`${mad.url}/api/tokens`, { account: "globex", scope: "read" }, bearer(admin));
    assert.equal(created.status, 201);
    const { token, info } = ((await created.json()) as { result: { token: string; info: { id: string } } }).result;
    await within("the token on lis", async () => hasToken(lis, "globex"));
    assert.equal(await search(lis, token), 200);
    const nc = await connectBus(splitServers(nats.urls("eu")), "test-reader");
    try {
      const kv = await nc.jetstream().views.kv(ACCOUNTS_BUCKET);
      const entry = await kv.get(`token.${info.id}`);
      const stored = JSON.parse(entry!.string()) as { hash: string; scope: string; account: string };
      assert.deepEqual({ hash: stored.hash, scope: stored.scope, account: stored.account }, { hash: createHash("sha256").update(token).digest("hex"), scope: "read", account: "globex" });
      for await (const key of await kv.keys()) assert.doesNotMatch((await kv.get(key))!.string(), /opk_/);
    } finally {
      await nc.close();
    }
  });

  it("two nodes together admit an account's rate limit, within one request per node", async () => {
    const LIMIT = 40;
    const set = await cli(["accounts", "set", "pair", "--rate-limit", `text-embeddings=${LIMIT}`, "--data-dir", lis.dataDir]);
    assert.equal(set.code, 0, set.output);
    const token = createToken(lis.dataDir, "pair", "run");
    await within("pair's token and limit on mad", async () => {
      const listed = await cli(["accounts", "list", "--json", "--data-dir", mad.dataDir]);
      const limit = (JSON.parse(listed.output) as { id: string; rateLimits: Record<string, number> }[]).find((a) => a.id === "pair")?.rateLimits["text-embeddings"];
      return limit === LIMIT && (await hasToken(mad, "pair"));
    });
    const counts = { admitted: 0, refused: 0 };
    const started = performance.now();
    const WINDOW_MS = 6_000;
    // Four callers at once, alternating between the nodes, as fast as they are answered.
    await Promise.all(
      [0, 1, 2, 3].map(async (worker) => {
        for (let i = worker; performance.now() - started < WINDOW_MS; i += 1) {
          const response = await postJson(`${(i % 2 === 0 ? lis : mad).url}/ai/run/${STORIES_EMBEDDINGS}`, { text: ["a"] }, bearer(token));
          assert.ok(response.status === 200 || response.status === 429, await response.clone().text());
          await response.arrayBuffer();
          counts[response.status === 200 ? "admitted" : "refused"] += 1;
        }
      }),
    );
    const elapsedS = (performance.now() - started) / 1000;
    // One bucket would hold LIMIT and refill LIMIT a minute; the two shares add up to that, plus at most one request per node.
    const allowed = LIMIT + (LIMIT * elapsedS) / 60;
    console.log(`# rate limit across 2 nodes: ${counts.admitted} admitted, ${counts.refused} refused in ${elapsedS.toFixed(1)} s; one bucket allows ${allowed.toFixed(1)} (limit ${LIMIT}/min)`);
    assert.ok(counts.refused > 0, "the callers went past the limit");
    assert.ok(counts.admitted <= allowed + 2, `${counts.admitted} admitted, more than ${allowed.toFixed(1)} + 2`);
    assert.ok(counts.admitted >= LIMIT - 2, `${counts.admitted} admitted: each node should admit its share of the burst`);
  });

  it("an account's limits set on lis reach mad", async () => {
    const set = await cli(["accounts", "set", "acme", "--rate-limit", "text-embeddings=90", "--data-dir", lis.dataDir]);
    assert.equal(set.code, 0, set.output);
    await within("acme's limit on mad", async () => {
      const listed = await cli(["accounts", "list", "--json", "--data-dir", mad.dataDir]);
      return (JSON.parse(listed.output) as { id: string; rateLimits: Record<string, number> }[]).find((a) => a.id === "acme")?.rateLimits["text-embeddings"] === 90;
    });
  });
});
