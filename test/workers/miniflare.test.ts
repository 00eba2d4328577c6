import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Miniflare } from "miniflare";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { REPO_ROOT, startServer, type TestServer } from "../helpers/server.js";
import { createToken } from "../helpers/tokens.js";
import { NO_SUCH_MODEL, runBindingSuite } from "./binding.case.js";

/**
 * The miniflare API form that test suites use (README, "Use with Workers"): the app and the
 * outpost-ai Worker side by side, env.AI a service binding to its OutpostAI entrypoint.
 */
function withOutpostAi(outpostUrl: string, token?: string): Miniflare {
  return new Miniflare({
    host: "127.0.0.1",
    port: 0,
    cf: false, // a placeholder Request.cf instead of fetching one: no network
    workers: [
      {
        name: "app",
        modules: true,
        scriptPath: join(REPO_ROOT, "test/workers/fixture/index.js"),
        compatibilityDate: "2025-01-01",
        serviceBindings: { AI: { name: "outpost-ai", entrypoint: "OutpostAI" } },
      },
      {
        name: "outpost-ai",
        modules: true,
        scriptPath: join(REPO_ROOT, "workers/outpost-ai/index.js"),
        compatibilityDate: "2025-01-01",
        compatibilityFlags: ["enhanced_error_serialization"],
        bindings: { OUTPOST_URL: outpostUrl, ...(token ? { OUTPOST_TOKEN: token } : {}) },
      },
    ],
  });
}

describe("env.AI through the outpost-ai Worker under the miniflare API", () => {
  let outpost: TestServer;
  let mf: Miniflare;
  let url: string;

  before(async () => {
    outpost = await startServer();
    mf = withOutpostAi(outpost.url);
    url = (await mf.ready).href.replace(/\/$/, "");
  });
  after(async () => {
    await mf?.dispose();
    await outpost?.stop();
  });

  runBindingSuite({
    outpost: () => outpost,
    worker: () => ({ url }),
    error: { caught: "Error", name: "Error", message: `NoSuchModel: ${NO_SUCH_MODEL}` },
  });
});

describe("outpost-ai with no Outpost listening", () => {
  let mf: Miniflare;
  before(() => (mf = withOutpostAi("http://127.0.0.1:1")));
  after(() => mf?.dispose());

  test("env.AI.run fails with an error that names the URL it tried", async () => {
    const res = await mf.dispatchFetch("http://localhost/json");
    assert.equal(res.status, 500);
    const { message } = (await res.json()) as { message: string };
    assert.match(message, /^outpost-ai: cannot reach Outpost at http:\/\/127\.0\.0\.1:1 \(is `outpost serve` running\?\)/);
  });
});

describe("outpost-ai against an Outpost with tokens", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "outpost-mf-auth-"));
  let outpost: TestServer;

  before(async () => {
    createToken(dataDir, "acme", "admin");
    outpost = await startServer({ "data-dir": dataDir });
  });
  after(async () => {
    await outpost?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("with its OUTPOST_TOKEN secret env.AI.run answers; without one it throws Authentication error", async () => {
    for (const [token, check] of [
      [createToken(dataDir, "acme", "run"), (status: number, body: { response?: string; message?: string }) => status === 200 && typeof body.response === "string"],
      [undefined, (status: number, body: { response?: string; message?: string }) => status === 500 && /10000: Authentication error/.test(body.message ?? "")],
    ] as const) {
      const mf = withOutpostAi(outpost.url, token);
      try {
        const res = await fetch(`${(await mf.ready).href.replace(/\/$/, "")}/json`);
        const body = (await res.json()) as { response?: string; message?: string };
        assert.ok(check(res.status, body), `${token ? "with" : "without"} a token: ${res.status} ${JSON.stringify(body)}`);
      } finally {
        await mf.dispose();
      }
    }
  });
});
