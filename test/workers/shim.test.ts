import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO_ROOT, startServer, type TestServer } from "../helpers/server.js";
import { startWrangler, workersInit, WRANGLER_SHIM, type WranglerDev } from "../helpers/wrangler.js";
import { NO_SUCH_MODEL, runBindingSuite } from "./binding.case.js";

const FIXTURE = join(REPO_ROOT, "test/workers/fixture");

/**
 * Path 2: wrangler >= 4.36 refuses `[ai]` locally, so the app binds the outpost-ai Worker
 * (workers/outpost-ai) as a service named AI and runs both: wrangler dev -c app -c outpost-ai.
 */
describe(`env.AI through the outpost-ai Worker on wrangler ${WRANGLER_SHIM.version}`, () => {
  let outpost: TestServer;
  let dev: WranglerDev;
  let project: string;
  let initOutput: string;

  before(async () => {
    outpost = await startServer();
    project = mkdtempSync(join(tmpdir(), "outpost-workers-init-"));
    initOutput = workersInit(project, outpost);
    dev = await startWrangler(WRANGLER_SHIM, ["-c", join(FIXTURE, "wrangler.outpost.toml"), "-c", join(project, "outpost-ai/wrangler.toml")]);
  });
  after(async () => {
    await dev?.stop();
    await outpost?.stop();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  test("outpost workers init writes the Worker pointed at Outpost and prints the binding", () => {
    assert.equal(readFileSync(join(project, "outpost-ai/index.js"), "utf8"), readFileSync(join(REPO_ROOT, "workers/outpost-ai/index.js"), "utf8"));
    assert.match(readFileSync(join(project, "outpost-ai/wrangler.toml"), "utf8"), new RegExp(`^OUTPOST_URL = "${outpost.url}"$`, "m"));
    assert.ok(initOutput.includes('[[services]]\nbinding = "AI"\nservice = "outpost-ai"\nentrypoint = "OutpostAI"'), initOutput);
    assert.ok(initOutput.includes("wrangler dev -c wrangler.toml -c outpost-ai/wrangler.toml"), initOutput);
  });

  runBindingSuite({
    outpost: () => outpost,
    worker: () => dev,
    // Across RPC workerd rebuilds a custom error as Error and folds its name into the message.
    error: { caught: "Error", name: "Error", message: `NoSuchModel: ${NO_SUCH_MODEL}` },
  });

  test("wrangler made no connection beyond loopback: no login, no metrics, no update check", () => {
    assert.deepEqual(dev.networkAttempts(), []);
  });

  describe("with enhanced_error_serialization on the app", () => {
    let enhanced: WranglerDev;
    before(async () => {
      const config = join(project, "app-enhanced-errors.toml");
      writeFileSync(
        config,
        readFileSync(join(FIXTURE, "wrangler.outpost.toml"), "utf8")
          .replace('main = "index.js"', `main = ${JSON.stringify(join(FIXTURE, "index.js"))}`)
          .replace(/^(compatibility_date = .*)$/m, '$1\ncompatibility_flags = ["enhanced_error_serialization"]'),
      );
      enhanced = await startWrangler(WRANGLER_SHIM, ["-c", config, "-c", join(project, "outpost-ai/wrangler.toml")]);
    });
    after(async () => {
      await enhanced?.stop();
    });

    test("the error keeps the name and message workerd's binding gives", async () => {
      const res = await fetch(`${enhanced.url}/error`);
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), { caught: "Error", name: "NoSuchModel", message: NO_SUCH_MODEL });
    });
  });
});
