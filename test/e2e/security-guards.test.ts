import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO_ROOT, startServer, type TestServer } from "../helpers/server.js";

/** fetch() may not set Host: a raw request does, as a DNS-rebinding page's browser would. */
function withHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host } }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the server's guards, with no token (the laptop case)", () => {
  let server: TestServer;
  before(async () => (server = await startServer()));
  after(async () => server?.stop());

  test("a foreign Host header is refused; the server's own names are served", async () => {
    const rebound = await withHost(`${server.url}/api/models`, "attacker.example");
    assert.equal(rebound.status, 403);
    assert.match(rebound.body, /"code":10000.*Host 'attacker\.example' is not a name of this server/);
    assert.equal((await withHost(`${server.url}/api/models`, `localhost:${new URL(server.url).port}`)).status, 200);
  });

  test("a cross-site text/plain POST starts no pull, and the server keeps serving", async () => {
    const res = await fetch(`${server.url}/api/pull`, { method: "POST", headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" }, body: JSON.stringify({ model: "@cf/karpathy/tinyllamas-stories-260k" }) });
    assert.equal(res.status, 403);
    const plain = await fetch(`${server.url}/api/pull`, { method: "POST", body: JSON.stringify({ model: "@cf/karpathy/tinyllamas-stories-260k" }) });
    assert.equal(plain.status, 403, "fetch() sends a string body as text/plain");
    const pulls = (await (await fetch(`${server.url}/api/pulls`)).json()) as { result: unknown[] };
    assert.deepEqual(pulls.result, []);
  });

  test("no CORS headers for any origin unless configured", async () => {
    const res = await fetch(`${server.url}/ai/models/search`, { headers: { origin: "https://evil.example" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
  });
});

describe("exposure at startup", () => {
  test("a non-loopback --host with no token is refused, saying how to create one", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "outpost-test-"));
    try {
      const run = spawnSync(process.execPath, [join(REPO_ROOT, "bin/outpost.js"), "serve", "--host", "0.0.0.0", "--port", "0", "--data-dir", dataDir], { encoding: "utf8", timeout: 30_000 });
      assert.equal(run.status, 1);
      assert.match(run.stderr, /refusing to listen on 0\.0\.0\.0 with no API token/);
      assert.match(run.stderr, /outpost tokens create --account <id> --scope admin/);
      assert.match(run.stderr, /--insecure-no-auth/);
      assert.doesNotMatch(run.stdout, /listening/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test("OUTPOST_INSECURE_NO_AUTH (--insecure-no-auth) starts it anyway", async () => {
    const server = await startServer({ host: "0.0.0.0" }, { OUTPOST_INSECURE_NO_AUTH: "true" });
    try {
      assert.equal((await fetch(`${server.url.replace("0.0.0.0", "127.0.0.1")}/healthz`)).status, 200);
    } finally {
      await server.stop();
    }
  });
});
