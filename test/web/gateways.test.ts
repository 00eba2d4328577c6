import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { createRemoteAi } from "../../src/index.js";
import { ARTIFACTS, launchChromium } from "../helpers/browser.js";
import { postJson, REPO_ROOT, startServer, STORIES, type TestServer } from "../helpers/server.js";

// The Gateways page in real Chromium, over a real gateway's log: hits, misses, a fallback, a failure, paging.
const NOT_LOCAL = "@cf/mistral/mistral-7b-instruct-v0.1";
const dataDir = mkdtempSync(join(tmpdir(), "outpost-web-gateways-"));
let server: TestServer;
let browser: Browser;
let page: Page;
const errors: string[] = [];

before(async () => {
  const made = spawnSync(process.execPath, [join(REPO_ROOT, "bin/outpost.js"), "gateways", "create", "chat", "--cache-ttl", "3600", "--fallback", STORIES, "--data-dir", dataDir], { encoding: "utf8", timeout: 30_000 });
  assert.equal(made.status, 0, made.stderr);
  [server, browser] = await Promise.all([startServer({ "data-dir": dataDir }), launchChromium()]);
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.setDefaultTimeout(20_000);
  page.on("pageerror", (e) => errors.push(e.message));
});
after(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const section = "section.gateways:not([hidden])";
const ask = (model: string, body: unknown) => postJson(`${server.url}/v1/acme/chat/workers-ai/run/${model}`, body);
/** The page shown with `total` matching entries, on page `n`. */
async function shown(total: number, n = 1): Promise<void> {
  try {
    await page.waitForSelector(`${section}[data-state="ready"][data-total="${total}"][data-page="${n}"]`);
  } catch (error) {
    const now = await page.$eval(section, (el) => ["data-state", "data-total", "data-page"].map((name) => `${name}=${el.getAttribute(name)}`).join(" "));
    throw new Error(`expected ${total} entries on page ${n}; the page shows ${now}`, { cause: error });
  }
}
const rows = () => page.locator(`${section} table.gateway-logs tbody tr`);

test("with no request yet the page says how requests get there", async () => {
  await page.goto(`${server.url}/#gateways`);
  await page.waitForSelector(`${section}[data-state="empty"]`);
  assert.equal(await page.inputValue("#gateway-id"), "chat");
  assert.deepEqual(await page.locator("#gateway-id option").allTextContents(), ["chat", "default"]);
  assert.match((await page.textContent(`${section} .empty`)) ?? "", /Requests that name this gateway/);
});

test("a gateway's requests, newest first: cache status, the model that served, failures, metadata and feedback", async () => {
  const story = { prompt: "Once upon a time", max_tokens: 4, seed: 1 };
  for (let i = 0; i < 2; i++) assert.equal((await ask(STORIES, story)).status, 200);
  assert.equal((await ask(NOT_LOCAL, story)).status, 200);
  assert.equal((await ask(STORIES, { prompt: 5 })).status, 400);
  const ai = createRemoteAi(server.url);
  await ai.run(STORIES, { ...story, seed: 2 }, { gateway: { id: "chat", metadata: { user: "u-7" } } });
  await ai.gateway("chat").patchLog(ai.aiGatewayLogId!, { feedback: 1, score: 80 });

  await page.reload();
  await shown(5);
  assert.deepEqual(await rows().evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute("data-status")}:${tr.getAttribute("data-cache")}`)), ["200:MISS", "400:MISS", "200:MISS", "200:HIT", "200:MISS"]);
  const bindingRow = rows().first();
  assert.equal(await bindingRow.locator("td[data-label='Metadata']").textContent(), "user=u-7 · feedback +1 · score 80");
  assert.equal(await bindingRow.locator("td[data-label='Account']").textContent(), "local");
  assert.match((await rows().nth(1).locator("td[data-label='Status']").textContent()) ?? "", /^400Invalid input/);
  assert.equal(await rows().nth(2).locator("td[data-label='Model']").textContent(), `${NOT_LOCAL} → served by ${STORIES}`);
  assert.match((await rows().nth(3).locator("td[data-label='Tokens in / out']").textContent()) ?? "", /^\d+ \/ 4$/);
  await page.screenshot({ path: join(ARTIFACTS, "gateways.png"), fullPage: true });

  await page.click(`${section} [aria-label="Cache"] button:has-text("Hits")`);
  await shown(1);
  assert.equal(await rows().getAttribute("data-cache"), "HIT");
  await page.click(`${section} [aria-label="Cache"] button:has-text("All")`);
  await page.click(`${section} [aria-label="Outcome"] button:has-text("Failed")`);
  await shown(1);
  assert.equal(await rows().getAttribute("data-status"), "400");
  await page.click(`${section} [aria-label="Outcome"] button:has-text("All")`);
  // A model filter matches the model asked for or the one that served.
  await page.fill("#gateway-model", NOT_LOCAL);
  await shown(1);
  await page.fill("#gateway-model", "");
  await shown(5);
});

test("more entries than a page: Older and Newer page through them, and a filter starts again at the first", async () => {
  for (let seed = 10; seed < 27; seed++) assert.equal((await ask(STORIES, { prompt: "Once", max_tokens: 1, seed })).status, 200);
  await page.reload();
  await shown(22);
  assert.equal(await rows().count(), 20);
  assert.equal(await page.isDisabled(`${section} .pager button:has-text("Newer")`), true);
  await page.click(`${section} .pager button:has-text("Older")`);
  await shown(22, 2);
  assert.equal(await rows().count(), 2);
  assert.match((await page.textContent(`${section} .pager span`)) ?? "", /^Page 2 of 2 · 22 requests$/);
  assert.equal(await page.isDisabled(`${section} .pager button:has-text("Older")`), true);
  await page.click(`${section} [aria-label="Cache"] button:has-text("Misses")`);
  await shown(21, 1);
  assert.deepEqual(errors, []);
});
