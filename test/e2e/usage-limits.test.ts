import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Sqlite from "better-sqlite3";
import OpenAI, { RateLimitError } from "openai";
import { envelopeError, envelopeResult } from "../helpers/http.js";
import { postJson, REPO_ROOT, startServer, STORIES, STORIES_EMBEDDINGS, type TestServer } from "../helpers/server.js";
import { createToken } from "../helpers/tokens.js";

const INPUTS = { prompt: "Once upon a time", max_tokens: 4, seed: 1 };

/** `outpost <command> …` against the test's data dir; returns stdout, asserting success. */
function cli(dataDir: string, args: string[]): string {
  const run = spawnSync(process.execPath, [join(REPO_ROOT, "bin/outpost.js"), ...args, "--data-dir", dataDir], { encoding: "utf8", timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim();
}

describe("rate limits and usage in neurons", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "outpost-usage-"));
  let server: TestServer;
  let admin: string;
  let run: string;
  let other: string;
  let capped: string;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  before(async () => {
    admin = createToken(dataDir, "ops", "admin");
    run = createToken(dataDir, "acme", "run");
    other = createToken(dataDir, "globex", "read");
    capped = createToken(dataDir, "capped", "run");
    cli(dataDir, ["accounts", "set", "acme", "--rate-limit", "text-generation=3"]);
    cli(dataDir, ["accounts", "set", "capped", "--daily-neurons", "0"]);
    server = await startServer({ "data-dir": dataDir });
  });
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("past the account's requests per minute: 429, Retry-After and code 3040 on REST; the OpenAI SDK gets a RateLimitError", async () => {
    const url = `${server.url}/client/v4/accounts/acme/ai/run/${STORIES}`;
    for (let i = 0; i < 3; i += 1) await envelopeResult(await postJson(url, INPUTS, bearer(run)));
    const refused = await postJson(url, INPUTS, bearer(run));
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    assert.match(await envelopeError(refused, 429, 3040), /3 text-generation requests per minute/);
    const openai = new OpenAI({ apiKey: run, baseURL: `${server.url}/v1`, maxRetries: 0 });
    await assert.rejects(openai.chat.completions.create({ model: STORIES, messages: [{ role: "user", content: "hi" }], max_tokens: 2 }), (error: unknown) => {
      assert.ok(error instanceof RateLimitError);
      assert.equal(error.status, 429);
      assert.equal(error.code, "rate_limited");
      return true;
    });
    // Embeddings have their own bucket (3000 a minute by default).
    const embedded = await openai.embeddings.create({ model: STORIES_EMBEDDINGS, input: ["a", "b"] });
    assert.equal(embedded.data.length, 2);
  });

  test("usage in neurons per account and model: /api/usage, outpost usage, /metrics and the request log agree", async () => {
    const body = (await (await fetch(`${server.url}/api/usage?account=acme&by=model&from=1h`, { headers: bearer(admin) })).json()) as {
      result: { key: string; requests: number; neurons: number; inputTokens: number; outputTokens: number }[];
      result_info: { total_count: number };
    };
    const stories = body.result.find((r) => r.key === STORIES)!;
    assert.equal(stories.requests, 3, "refused requests are not metered");
    assert.ok(stories.outputTokens > 0 && stories.neurons > 0);
    assert.ok(body.result.find((r) => r.key === STORIES_EMBEDDINGS)!.neurons > 0);
    assert.equal(body.result_info.total_count, 2);
    const table = JSON.parse(cli(dataDir, ["usage", "--account", "acme", "--json"])) as { key: string; neurons: number }[];
    assert.equal(table.find((r) => r.key === STORIES)?.neurons, stories.neurons);
    assert.match(cli(dataDir, ["usage", "--by", "account"]), /^ACCOUNT\s+REQUESTS.*\nacme\s+4\s/);
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: bearer(admin) })).text();
    assert.match(metrics, new RegExp(`outpost_neurons_total\\{account="acme",model="${STORIES}"\\} ${stories.neurons}`));
    const log = (await (await fetch(`${server.url}/api/requests?limit=10`, { headers: bearer(run) })).json()) as { result: { account: string; tokenId: string; neurons: number; model: string; status: number }[] };
    assert.equal(log.result.filter((r) => r.status === 200).length, 4);
    assert.ok(log.result.every((r) => r.account === "acme" && r.tokenId.startsWith("tok_")));
    assert.doesNotMatch(JSON.stringify(log), /opk_/);
  });

  test("refusals are in the request log with status, code, model and account, never the token; usage counts only what ran", async () => {
    const wrong = `opk_${"w".repeat(43)}`;
    assert.equal((await postJson(`${server.url}/ai/run/${STORIES}`, INPUTS, bearer(wrong))).status, 401);
    assert.equal((await postJson(`${server.url}/client/v4/accounts/globex/ai/run/${STORIES}`, INPUTS, bearer(run))).status, 403);
    assert.equal((await postJson(`${server.url}/ai/run/${STORIES}`, INPUTS, bearer(other))).status, 403);
    await envelopeError(await postJson(`${server.url}/ai/run/${STORIES_EMBEDDINGS}`, { text: ["a"] }, bearer(capped)), 429, 3036);
    type Row = { status: number; code?: string; model: string; account: string; tokenId?: string; neurons: number; error?: string };
    const rows = ((await (await fetch(`${server.url}/api/requests?limit=100`, { headers: bearer(admin) })).json()) as { result: Row[] }).result;
    const refusals = rows.filter((r) => r.status !== 200).map(({ status, code, model, account, tokenId }) => ({ status, code, model, account, token: tokenId !== undefined }));
    assert.deepEqual(refusals, [
      { status: 429, code: "ALLOCATION_EXCEEDED", model: STORIES_EMBEDDINGS, account: "capped", token: true },
      { status: 403, code: "FORBIDDEN", model: STORIES, account: "globex", token: true },
      { status: 403, code: "FORBIDDEN", model: STORIES, account: "acme", token: true },
      { status: 401, code: "UNAUTHENTICATED", model: STORIES, account: "(unauthenticated)", token: false },
      // The first test's two: REST, then the OpenAI SDK.
      { status: 429, code: "RATE_LIMITED", model: STORIES, account: "acme", token: true },
      { status: 429, code: "RATE_LIMITED", model: STORIES, account: "acme", token: true },
    ]);
    assert.ok(rows.filter((r) => r.status !== 200).every((r) => r.neurons === 0 && typeof r.error === "string"));
    assert.doesNotMatch(JSON.stringify(rows), /opk_/);
    // An account's own token sees its own refusals, not the anonymous ones.
    const own = ((await (await fetch(`${server.url}/api/requests?limit=100`, { headers: bearer(capped) })).json()) as { result: Row[] }).result;
    assert.deepEqual(own.map((r) => r.code), ["ALLOCATION_EXCEEDED"]);
    const usage = (await (await fetch(`${server.url}/api/usage?by=account`, { headers: bearer(admin) })).json()) as { result: { key: string }[] };
    assert.deepEqual(usage.result.map((r) => r.key), ["acme"]);
  });

  test("a token reads only its own account's usage", async () => {
    assert.match(await envelopeError(await fetch(`${server.url}/api/usage?account=acme`, { headers: bearer(other) }), 403, 10000), /own account/);
    const own = (await (await fetch(`${server.url}/api/usage`, { headers: bearer(other) })).json()) as { result: unknown[] };
    assert.deepEqual(own.result, []);
    assert.match(await envelopeError(await fetch(`${server.url}/api/usage?by=week`, { headers: bearer(admin) }), 400, 1001), /'by'/);
  });

  test("while another process holds the database locked, requests are served and their usage is written once it is free", async () => {
    const holder = new Sqlite(join(dataDir, "outpost.db"));
    holder.exec("BEGIN IMMEDIATE; UPDATE accounts SET created_at = created_at;");
    try {
      const embedded = await postJson(`${server.url}/ai/run/${STORIES_EMBEDDINGS}`, { text: ["held"] }, bearer(run));
      assert.equal(embedded.status, 200, await embedded.clone().text());
      // Rows are written in batches, a moment after the answer.
      const written = Date.now() + 5_000;
      while (!/Usage not written/.test(server.output()) && Date.now() < written) await new Promise((r) => setTimeout(r, 50));
      assert.match(server.output(), /Usage not written, held in memory.*another process holds it locked/);
    } finally {
      holder.exec("COMMIT");
      holder.close();
    }
    const deadline = Date.now() + 10_000;
    let requests = 0;
    while (Date.now() < deadline) {
      const rows = (await (await fetch(`${server.url}/api/usage?account=acme&model=${encodeURIComponent(STORIES_EMBEDDINGS)}`, { headers: bearer(admin) })).json()) as { result: { requests: number }[] };
      requests = rows.result[0]?.requests ?? 0;
      if (requests === 2) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(requests, 2);
    assert.match(server.output(), /Usage written again: 1 held rows/);
  });
});
