import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Miniflare } from "miniflare";
import { REPO_ROOT, startServer, type TestServer } from "../helpers/server.js";
import { NO_SUCH_MODEL, runBindingSuite } from "./binding.case.js";

/**
 * The miniflare API form that test suites use (README, "Use with Workers"): the app and the
 * outpost-ai Worker side by side, env.AI a service binding to its OutpostAI entrypoint.
 */
function withOutpostAi(outpostUrl: string): Miniflare {
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
        bindings: { OUTPOST_URL: outpostUrl },
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
