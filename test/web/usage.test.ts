import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { ARTIFACTS, launchChromium } from "../helpers/browser.js";
import { STORIES, postJson, startServer, type TestServer } from "../helpers/server.js";
import { createToken } from "../helpers/tokens.js";

// The Usage page in real Chromium, against a server with two accounts' real traffic.
const dataDir = mkdtempSync(join(tmpdir(), "outpost-web-usage-"));
let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let admin: string;
let beta: string;
const errors: string[] = [];

before(async () => {
  admin = createToken(dataDir, "acme", "admin");
  beta = createToken(dataDir, "beta", "run");
  [server, browser] = await Promise.all([startServer({ "data-dir": dataDir }), launchChromium()]);
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.fill("#token", admin);
  await page.click("button[type=submit]");
  await page.waitForSelector("nav a[href='#usage']");
});
after(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const usage = "section.usage:not([hidden])";
const ready = (range: string) => page.waitForSelector(`${usage}[data-state="ready"][data-range="${range}"]`);
const run = (token: string, body: unknown) => postJson(`${server.url}/ai/run/${STORIES}`, body, { authorization: `Bearer ${token}` });
const generation = { prompt: "Once upon a time", max_tokens: 16, temperature: 0, seed: 7 };

test("with no traffic the page says so, and draws no chart", async () => {
  await page.click("nav a[href='#usage']");
  await page.waitForSelector(`${usage}[data-state="empty"]`);
  assert.match((await page.textContent(`${usage} .empty`)) ?? "", /No traffic in the last 24 hours/);
  assert.equal(await page.locator(`${usage} figure.chart`).count(), 0);
});

test("real requests appear per model and hour, with the error share, latency and an account filter", async () => {
  for (const token of [admin, admin, beta]) assert.equal((await run(token, generation)).status, 200);
  // Fails inside run(): metered as an error for the error share.
  assert.equal((await run(admin, { prompt: 5 })).status, 400);

  // Shown again, the page loads again.
  await page.click("nav a[href='#live']");
  await page.click("nav a[href='#usage']");
  await ready("24h");
  const requests = page.locator(`${usage} figure[data-chart="usage-requests"]`);
  assert.equal(await requests.getAttribute("data-buckets"), "24");
  assert.equal(await requests.getAttribute("data-total"), "4");
  const hour = `${new Date().toISOString().slice(0, 13)}:00:00.000Z`;
  const bar = requests.locator(`g[data-bucket="${hour}"] rect[data-series="${STORIES}"]`);
  assert.equal(await bar.getAttribute("data-value"), "4");
  assert.equal(await bar.locator("title").textContent(), `${hour.slice(11, 16)} · ${STORIES}: 4 requests`);
  // The numbers are also a table for screen readers, and the chart is labelled by its caption.
  assert.match((await requests.locator("table caption").textContent()) ?? "", /^Requests \(requests\) per bucket/);
  assert.equal(await requests.locator("svg").getAttribute("role"), "img");
  const neurons = Number(await page.locator(`${usage} figure[data-chart="usage-neurons"]`).getAttribute("data-total"));
  assert.ok(neurons > 0, `neurons metered: ${neurons}`);

  const top = page.locator(`${usage} .bars li[data-model="${STORIES}"]`);
  assert.equal(await top.getAttribute("data-requests"), "4");
  const share = page.locator(`${usage} .error-share`);
  assert.deepEqual([await share.getAttribute("data-errors"), await share.getAttribute("data-requests"), await share.locator(".big").textContent()], ["1", "4", "25 %"]);
  const latency = await page.locator(`${usage} .latency tr[data-model="${STORIES}"] td`).allTextContents();
  assert.equal(latency[1], "4");
  assert.match(latency[2] ?? "", /^\d+(\.\d+)? (ms|s)$/);
  assert.equal(latency[4], "1");
  await page.screenshot({ path: join(ARTIFACTS, "usage.png"), fullPage: true });

  // Two accounts: a filter, and beta's one good request.
  await page.selectOption("#usage-account", "beta");
  await page.waitForSelector(`${usage}[data-state="ready"] figure[data-chart="usage-requests"][data-total="1"]`);
  assert.equal(await share.getAttribute("data-errors"), "0");
  // A token that is not admin reads only its own account's latency.
  const asBeta = (path: string) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${beta}` } });
  assert.equal((await asBeta("/api/latency?account=acme")).status, 403);
  const own = (await (await asBeta("/api/latency")).json()) as { result: { model: string; requests: number; errors: number }[] };
  // Its own generation, not acme's three; the 403 just refused is in its log too.
  const stories = own.result.find((r) => r.model === STORIES);
  assert.deepEqual([stories?.requests, stories?.errors], [1, 0]);
  await page.selectOption("#usage-account", "");
  await page.waitForSelector(`${usage}[data-state="ready"] figure[data-chart="usage-requests"][data-total="4"]`);
});

test("the range buttons switch between hour and day buckets", async () => {
  await page.click(`${usage} button:has-text("7 d")`);
  await ready("7d");
  const requests = page.locator(`${usage} figure[data-chart="usage-requests"]`);
  assert.equal(await requests.getAttribute("data-buckets"), "7");
  const today = new Date().toISOString().slice(0, 10);
  assert.equal(await requests.locator(`g[data-bucket="${today}"] rect[data-series="${STORIES}"]`).getAttribute("data-value"), "4");
  assert.equal(await page.getAttribute(`${usage} button:has-text("7 d")`, "aria-pressed"), "true");
  await page.click(`${usage} button:has-text("30 d")`);
  await ready("30d");
  assert.equal(await requests.getAttribute("data-buckets"), "30");
  await page.click(`${usage} button:has-text("24 h")`);
  await ready("24h");
  assert.equal(await requests.getAttribute("data-buckets"), "24");
  assert.deepEqual(errors, []);
});

test("on a 390 px phone the Usage page fits without scrolling sideways", async () => {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, storageState: await context.storageState() });
  try {
    const small = await phone.newPage();
    await small.goto(`${server.url}/#usage`);
    await small.waitForSelector(`${usage}[data-state="ready"] figure[data-chart="usage-requests"]`);
    for (const range of ["24h", "30d"]) {
      if (range === "30d") {
        await small.click(`${usage} button:has-text("30 d")`);
        await small.waitForSelector(`${usage}[data-state="ready"][data-range="30d"]`);
      }
      const width = await small.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 390, `${range}: the page scrolls sideways (${width} px)`);
    }
    // The latency table reflows: the model id gets the row, not a column.
    const box = await small.locator(`${usage} .latency td.mono`).first().boundingBox();
    assert.ok(box && box.width >= 200, `the model cell is ${box?.width} px wide`);
    await small.screenshot({ path: join(ARTIFACTS, "usage-390.png"), fullPage: true });
  } finally {
    await phone.close();
  }
});
