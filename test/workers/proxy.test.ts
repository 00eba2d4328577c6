import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { join } from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { REPO_ROOT, startServer, type TestServer } from "../helpers/server.js";
import { createToken } from "../helpers/tokens.js";
import { proxyEnv, startWrangler, WRANGLER_PROXY, type WranglerDev } from "../helpers/wrangler.js";
import { NO_SUCH_MODEL, runBindingSuite } from "./binding.case.js";

/**
 * Path 1: wrangler <= 4.35 with the app's own `[ai] binding = "AI"`. wrangler's local AI fetcher
 * posts every env.AI call to $CLOUDFLARE_API_BASE_URL/accounts/{id}/ai/run/proxy, which is
 * Outpost's binding proxy route; the real workerd Ai class parses the answer.
 */
describe(`env.AI through wrangler ${WRANGLER_PROXY.version}'s [ai] proxy`, () => {
  let outpost: TestServer;
  let dev: WranglerDev;

  before(async () => {
    outpost = await startServer();
    dev = await startWrangler(WRANGLER_PROXY, ["-c", join(REPO_ROOT, "test/workers/fixture/wrangler.toml")], proxyEnv(outpost.url));
  });
  after(async () => {
    await dev?.stop();
    await outpost?.stop();
  });

  runBindingSuite({
    outpost: () => outpost,
    worker: () => dev,
    // workerd's own InferenceUpstreamError, named after the error payload.
    error: { caught: "InferenceUpstreamError", name: "NoSuchModel", message: NO_SUCH_MODEL },
  });

  test("wrangler made no connection beyond loopback: no login, no metrics, no update check", () => {
    assert.deepEqual(dev.networkAttempts(), []);
  });
});

describe(`wrangler ${WRANGLER_PROXY.version}'s [ai] proxy against an Outpost with tokens`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), "outpost-proxy-auth-"));
  let outpost: TestServer;
  let dev: WranglerDev;

  before(async () => {
    const token = createToken(dataDir, "acme", "run");
    outpost = await startServer({ "data-dir": dataDir });
    dev = await startWrangler(WRANGLER_PROXY, ["-c", join(REPO_ROOT, "test/workers/fixture/wrangler.toml")], proxyEnv(outpost.url, token, "acme"));
  });
  after(async () => {
    await dev?.stop();
    await outpost?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("CLOUDFLARE_API_TOKEN is the Outpost token: env.AI.run answers", async () => {
    const res = await fetch(`${dev.url}/json`);
    const body = (await res.json()) as { response?: string };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(typeof body.response, "string");
  });
});

describe(`wrangler ${WRANGLER_PROXY.version}'s [ai] proxy with Outpost not running`, () => {
  let dev: WranglerDev;

  before(async () => {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    dev = await startWrangler(WRANGLER_PROXY, ["-c", join(REPO_ROOT, "test/workers/fixture/wrangler.toml")], proxyEnv("http://127.0.0.1:1"));
  });
  after(async () => {
    await dev?.stop();
  });

  // wrangler's own proxy code makes these errors, not Outpost; the README documents them as the symptom.
  test("env.AI.run throws an InferenceUpstreamError 'TypeError: fetch failed', models() a SyntaxError", async () => {
    const run = (await (await fetch(`${dev.url}/json`)).json()) as { name: string; message: string };
    assert.equal(run.name, "InferenceUpstreamError");
    assert.match(run.message, /^TypeError: fetch failed\n/);
    const models = (await (await fetch(`${dev.url}/models`)).json()) as { name: string; message: string };
    assert.deepEqual([models.name, models.message.startsWith(`Unexpected token 'T', "TypeError:"`)], ["SyntaxError", true], models.message);
  });
});
