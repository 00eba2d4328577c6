import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { launchChromium } from "../helpers/browser.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { createToken } from "../helpers/tokens.js";

// The dashboard of a server with tokens, in real Chromium: sign in first, then every page works.
const dataDir = mkdtempSync(join(tmpdir(), "outpost-web-auth-"));
let server: TestServer;
let browser: Browser;
let token: string;

before(async () => {
  token = createToken(dataDir, "acme", "admin");
  [server, browser] = await Promise.all([startServer({ "data-dir": dataDir }), launchChromium()]);
});
after(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test("the dashboard asks for a token, refuses a wrong one, and opens with the right one into a cookie scripts cannot read", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(server.url);
  await page.waitForSelector("h1:text('Sign in to Outpost')");
  await page.fill("#token", "opk_wrong");
  await page.click("button[type=submit]");
  assert.match((await page.textContent("[role=alert]")) ?? "", /Authentication error/);
  await page.fill("#token", token);
  await page.click("button[type=submit]");
  await page.waitForFunction(() => (document.querySelector("#pane-1-model") as HTMLSelectElement | null)?.value);
  const cookies = await context.cookies();
  assert.equal(cookies.length, 1);
  assert.equal(cookies[0]?.httpOnly, true);
  assert.equal(cookies[0]?.sameSite, "Strict");
  assert.equal(await page.evaluate(() => document.cookie), "");
  // A reload stays signed in; the catalog page lists models.
  await page.reload();
  await page.click('nav a[href="#catalog"]');
  await page.waitForSelector("article.model");
  await context.close();
});
