import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { test } from "node:test";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { ARTIFACTS, dashboardSuite, type WatchedPage } from "../helpers/browser.js";
import { type TestServer } from "../helpers/server.js";

// The Images page in real Chromium against the real server and the random-weight SD stand-in.
const SD_STANDIN = "@outpost/sd-tiny-standin";
let server: TestServer;
let dash: WatchedPage;
let page: Page;

dashboardSuite(async (d) => {
  ({ server, dash, page } = d);
  await page.click('nav a[href="#images"]');
  await page.waitForSelector("section.images:not([hidden]) h1");
  await page.selectOption("#images-model", SD_STANDIN);
});

const picture = "section.images figure.picture img";

/** Clicks Generate and waits for the next picture; returns the size the browser decoded and the PNG's bytes. */
async function generate(): Promise<{ width: number; height: number; png: Buffer }> {
  const count = Number((await page.locator("section.images figure.picture").getAttribute("data-count", { timeout: 100 }).catch(() => null)) ?? 0);
  await page.click("section.images button[type=submit]");
  await page.waitForSelector(`section.images figure.picture[data-count="${count + 1}"]`, { timeout: 120_000 });
  await page.waitForSelector("section.images button[type=submit]:has-text('Generate')");
  const src = await page.locator(picture).getAttribute("src");
  assert.ok(src);
  const size = await page.locator(picture).evaluate(async (img: HTMLImageElement) => {
    await img.decode();
    return { width: img.naturalWidth, height: img.naturalHeight };
  });
  return { ...size, png: Buffer.from(src.replace(/^data:image\/png;base64,/, ""), "base64") };
}

async function fill(fields: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(fields)) await page.fill(`#images-${key}`, value);
}

test("generate streams step progress and shows a PNG of the requested size; the same seed draws the same bytes", async () => {
  await fill({ prompt: "a lighthouse", negative: "fog", width: "320", height: "256", steps: "3", seed: "7", guidance: "3" });
  // The bar exists only while drawing: note that it was seen, with its largest value.
  await page.evaluate(() => {
    const seen: number[] = [];
    (window as unknown as { seenSteps: number[] }).seenSteps = seen;
    new MutationObserver(() => {
      const bar = document.querySelector("section.images progress") as HTMLProgressElement | null;
      if (bar && bar.value > 0) seen.push(bar.value);
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  const first = await generate();
  assert.deepEqual([first.width, first.height], [320, 256]);
  const meta = await sharp(first.png).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ["png", 320, 256]);
  assert.equal(await page.textContent("section.images .steps"), "Step 3 of 3");
  const seen = await page.evaluate(() => (window as unknown as { seenSteps: number[] }).seenSteps);
  assert.ok(seen.length > 0 && Math.max(...seen) <= 3, `progress values seen: ${seen.join(",")}`);
  assert.equal(await page.getAttribute("section.images figure a", "download"), "outpost.png");

  assert.deepEqual((await generate()).png, first.png);
  await page.screenshot({ path: join(ARTIFACTS, "images.png") });

  // Copy as code: the curl snippet, run by a real shell and curl, draws the same bytes.
  await page.click("section.images button:has-text('Copy as code')");
  const curl = await page.textContent("dialog.code-dialog #code-panel");
  const dir = mkdtempSync(join(tmpdir(), "outpost-images-code-"));
  await promisify(execFile)("sh", ["-c", curl!], { cwd: dir });
  assert.deepEqual(readFileSync(join(dir, "outpost.png")), first.png);
  await page.click("dialog.code-dialog [role=tab]:has-text('OpenAI SDK')");
  assert.match((await page.textContent("dialog.code-dialog #code-panel"))!, /openai\.images\.generate\([^]*"size": "320x256"[^]*"seed": 7/);
  await page.click("dialog.code-dialog button:has-text('Close')");
});

test("img2img from an uploaded picture draws a different picture of the same size", async () => {
  const source = await sharp({ create: { width: 320, height: 256, channels: 3, background: { r: 200, g: 30, b: 90 } } }).png().toBuffer();
  await page.setInputFiles("#images-image", { name: "start.png", mimeType: "image/png", buffer: source });
  await fill({ strength: "0.6", seed: "7" });
  const edited = await generate();
  await page.setInputFiles("#images-image", []);
  const plain = await generate();
  assert.deepEqual([edited.width, edited.height], [320, 256]);
  assert.notDeepEqual(edited.png, plain.png);
});

test("a bad value shows the server's error message, and the next generate succeeds", async () => {
  await fill({ width: "17" });
  await page.click("section.images button[type=submit]");
  const shown = await page.textContent("section.images p.error[role=alert]");
  const response = await fetch(`${server.url}/ai/run/${SD_STANDIN}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "a lighthouse", width: 17 }) });
  assert.equal(response.status, 400);
  const expected = ((await response.json()) as { errors: { message: string }[] }).errors[0]!.message;
  assert.match(expected, /width/);
  assert.equal(shown, expected);

  await fill({ width: "256", height: "256" });
  const next = await generate();
  assert.deepEqual([next.width, next.height], [256, 256]);
  assert.equal(await page.locator("section.images p.error").count(), 0);
  assert.deepEqual(dash.errors, []);
  assert.deepEqual(dash.offsite, []);
});
