import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { postJson, REPO_ROOT, startServer, STORIES_EMBEDDINGS, type TestServer } from "../helpers/server.js";
import { createToken, tokensCli } from "../helpers/tokens.js";

const outpost = (args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, "bin/outpost.js"), ...args], { encoding: "utf8", timeout: 30_000 });

describe("the database file under a running server", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "outpost-dbfaults-"));
  let server: TestServer;
  let run: string;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  before(async () => {
    run = createToken(dataDir, "acme", "run");
    server = await startServer({ "data-dir": dataDir });
  });
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("deleted while running: requests go on, the file comes back with the token and every usage row", async () => {
    const embed = () => postJson(`${server.url}/ai/run/${STORIES_EMBEDDINGS}`, { text: ["a"] }, bearer(run));
    assert.equal((await embed()).status, 200);
    unlinkSync(join(dataDir, "outpost.db"));
    assert.equal((await embed()).status, 200);
    const deadline = Date.now() + 10_000;
    while (!/outpost\.db was deleted while running; restored it/.test(server.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.match(server.output(), /outpost\.db was deleted while running; restored it from the open copy/);
    assert.equal((await embed()).status, 200);
    // What the CLI (and the next start) finds in the file: the token and all three requests.
    assert.match(tokensCli(dataDir, ["list"]), /acme\s+run/);
    const usage = outpost(["usage", "--account", "acme", "--json", "--data-dir", dataDir]);
    assert.equal(usage.status, 0, usage.stderr);
    assert.equal((JSON.parse(usage.stdout) as { key: string; requests: number }[]).find((r) => r.key === STORIES_EMBEDDINGS)?.requests, 3);
  });
});

test("a damaged database stops `outpost serve` at once with what to do", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "outpost-damaged-"));
  try {
    createToken(dataDir, "acme", "admin");
    const path = join(dataDir, "outpost.db");
    const bytes = readFileSync(path);
    bytes.fill(0xa5, 100, bytes.length);
    writeFileSync(path, bytes);
    const serve = outpost(["serve", "--port", "0", "--data-dir", dataDir]);
    assert.equal(serve.status, 1, serve.stderr);
    assert.match(serve.stderr, /outpost\.db: it (is damaged|is not a SQLite database)\. /);
    assert.doesNotMatch(serve.stdout, /listening/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
