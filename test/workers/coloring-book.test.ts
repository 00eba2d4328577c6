import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { metric } from "../helpers/metrics.js";
import { REPO_ROOT, startServer, type TestServer } from "../helpers/server.js";
import { proxyEnv, startWrangler, workersInit, WRANGLER_PROXY, WRANGLER_SHIM, type WranglerDev } from "../helpers/wrangler.js";

/**
 * examples/coloring-book as shipped: Hono and the @cloudflare/ai 1.0 SDK naming SDXL by its real
 * id, served by the random-weight SDXL stand-in through an alias. Its pictures are noise; the
 * SDK's tensor wire, the pipeline and the PNG are real. The SDK is the pinned 1.0.53, which
 * the root package installs as cloudflare-ai-1-0 beside the current 1.2 (the example's own
 * package.json names it @cloudflare/ai); the configs below add an [alias] pointing the
 * example's import at it, and wrangler's --alias flag does not reach the bundler.
 */
const EXAMPLE = join(REPO_ROOT, "examples/coloring-book");
const SDXL = "@cf/stabilityai/stable-diffusion-xl-base-1.0";
const STANDIN = "@outpost/sdxl-tiny-standin";

/** The example's wrangler.toml as shipped, or `replaced`, run from `dir` with the 1.0 SDK aliased in. */
function configFor(dir: string, replaced?: string): string {
  const shipped = replaced ?? readFileSync(join(EXAMPLE, "wrangler.toml"), "utf8");
  const config = join(dir, "wrangler.toml");
  const main = shipped.replace(/^main = .*$/m, `main = ${JSON.stringify(join(EXAMPLE, "src/index.js"))}`);
  writeFileSync(config, `${main}\n[alias]\n"@cloudflare/ai" = ${JSON.stringify(join(REPO_ROOT, "node_modules/cloudflare-ai-1-0"))}\n`);
  return config;
}

function draw(dev: WranglerDev, prompt: unknown): Promise<Response> {
  return fetch(`${dev.url}/ai`, { method: "POST", body: JSON.stringify({ prompt }) });
}

/** `asked`: the id Outpost is asked for (the Worker's own alias rewrites it before Outpost sees it). */
function coloringBookSuite(worker: () => WranglerDev, outpost: () => TestServer, asked: string): void {
  test("the page has the prompt form", async () => {
    const res = await fetch(worker().url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<input name="prompt"/);
  });

  test("a prompt comes back as a data: URL of the stand-in's PNG, at its size", async () => {
    const before = await metric(outpost().url, "outpost_requests_total", { model: asked, status: "200" });
    const res = await draw(worker(), "a lighthouse on a cliff");
    const text = await res.text();
    assert.equal(res.status, 200, text.slice(0, 500));
    assert.match(text, /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    const meta = await sharp(Buffer.from(text.slice("data:image/png;base64,".length), "base64")).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ["png", 256, 256]);
    assert.equal(await metric(outpost().url, "outpost_requests_total", { model: asked, status: "200" }), before + 1, "Outpost served it");
  });

  test("Outpost's refusal reaches the app as the SDK's error, and the next page draws", async () => {
    const refused = await draw(worker(), "x".repeat(3_000));
    assert.equal(refused.status, 500);
    const ok = await draw(worker(), "a cat");
    assert.equal(ok.status, 200);
  });

  test("the app's own check answers an empty prompt", async () => {
    const res = await draw(worker(), " ");
    assert.equal(res.status, 400);
  });
}

describe("examples/coloring-book on the outpost-ai Worker, aliased per Worker", () => {
  let outpost: TestServer;
  let project: string;
  let dev: WranglerDev;
  before(async () => {
    outpost = await startServer();
    project = mkdtempSync(join(tmpdir(), "outpost-coloring-"));
    workersInit(project, outpost, ["--alias", `${SDXL}=${STANDIN}`]);
    dev = await startWrangler(WRANGLER_SHIM, ["-c", configFor(project), "-c", join(project, "outpost-ai/wrangler.toml")]);
  });
  after(async () => {
    await dev?.stop();
    await outpost?.stop();
    if (project) rmSync(project, { recursive: true, force: true });
  });
  coloringBookSuite(() => dev, () => outpost, STANDIN);
});

describe(`examples/coloring-book with [ai] on wrangler ${WRANGLER_PROXY.version}'s proxy, aliased on the server`, () => {
  let outpost: TestServer;
  let project: string;
  let dev: WranglerDev;
  before(async () => {
    outpost = await startServer({ alias: `${SDXL}=${STANDIN}` });
    project = mkdtempSync(join(tmpdir(), "outpost-coloring-"));
    // The app as deployed to Cloudflare: the same code under the real binding.
    const config = configFor(project, `name = "coloring-book"\nmain = "src/index.js"\ncompatibility_date = "2023-09-20"\n\n[ai]\nbinding = "AI"\n`);
    dev = await startWrangler(WRANGLER_PROXY, ["-c", config], proxyEnv(outpost.url));
  });
  after(async () => {
    await dev?.stop();
    await outpost?.stop();
    if (project) rmSync(project, { recursive: true, force: true });
  });
  coloringBookSuite(() => dev, () => outpost, SDXL);
});
