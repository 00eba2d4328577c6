import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { ARTIFACTS, dashboardSuite, openDashboard, type WatchedPage } from "../helpers/browser.js";
import { standinMirror } from "../helpers/standins.js";
import { postJson, type TestServer } from "../helpers/server.js";

// The Text tools page in real Chromium against the real server and the random-weight stand-ins
// (their words are gibberish, so each check compares the page with the API's own answer).
const M2M100 = "@cf/meta/m2m100-1.2b";
const BART = "@cf/facebook/bart-large-cnn";
const SST2 = "@cf/huggingface/distilbert-sst-2-int8";
const RERANKER = "@cf/baai/bge-reranker-base";

const mirror = standinMirror();
let server: TestServer;
let browser: Browser;
let dash: WatchedPage;
let page: Page;

dashboardSuite(
  async (d) => {
    ({ server, browser, dash, page } = d);
    await page.click('nav a[href="#text-tools"]');
    await page.waitForSelector("section.text-tools:not([hidden]) h1");
  },
  undefined,
  { server: { "model-mirror": mirror } },
);
after(() => rmSync(mirror, { recursive: true, force: true }));

/** Submits a panel and answers what the page sent and the API's envelope, once the page has shown it. */
async function submit(form: string, model: string, on = page): Promise<{ sent: Record<string, unknown>; body: { success: boolean; result: any; errors: { message: string }[] } }> {
  const [response] = await Promise.all([on.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === `/ai/run/${model}`), on.click(`${form} button[type=submit]`)]);
  await on.waitForSelector(`${form} button[type=submit]:not([disabled])`);
  return { sent: JSON.parse(response.request().postData()!), body: await response.json() };
}

test("translate sends the picked languages and shows the model's translation; swap reverses them", async () => {
  assert.equal(await page.inputValue("#translate-model"), M2M100);
  assert.equal(await page.textContent("#translate-target option[value=fr]"), "French (fr)");
  await page.selectOption("#translate-source", "de");
  await page.selectOption("#translate-target", "ja");
  await page.fill("#translate-text", "Guten Morgen");
  const { sent, body } = await submit("form[aria-labelledby=translate-title]", M2M100);
  assert.deepEqual(sent, { text: "Guten Morgen", source_lang: "de", target_lang: "ja" });
  assert.equal(await page.textContent("form[aria-labelledby=translate-title] .result .model-text"), body.result.translated_text);

  await page.click("form[aria-labelledby=translate-title] button[aria-label='Swap languages']");
  const swapped = await submit("form[aria-labelledby=translate-title]", M2M100);
  assert.deepEqual([swapped.sent.source_lang, swapped.sent.target_lang], ["ja", "de"]);
});

test("summarize shows the summary; a bad length shows the server's error, and the next request works", async () => {
  const form = "form[aria-labelledby=summarize-title]";
  await page.fill("#summarize-max", "12");
  const { sent, body } = await submit(form, BART);
  assert.equal(sent.max_length, 12);
  assert.equal(await page.textContent(`${form} .result .model-text`), body.result.summary);

  await page.fill("#summarize-max", "0");
  const bad = await submit(form, BART);
  assert.equal(bad.body.success, false);
  assert.match(bad.body.errors[0]!.message, /max_length/);
  assert.equal(await page.textContent(`${form} p.error[role=alert]`), bad.body.errors[0]!.message);
  assert.equal(await page.locator(`${form} .result`).count(), 0);

  await page.fill("#summarize-max", "8");
  const next = await submit(form, BART);
  assert.equal(next.body.success, true);
  assert.equal(await page.locator(`${form} p.error`).count(), 0);
  assert.equal(await page.textContent(`${form} .result .model-text`), next.body.result.summary);
});

test("classify lists the model's labels with their scores, in its order; rerankers are not offered", async () => {
  const form = "form[aria-labelledby=classify-title]";
  assert.equal(await page.inputValue("#classify-model"), SST2);
  assert.equal(await page.locator(`#classify-model option[value="${RERANKER}"]`).count(), 0);
  const { body } = await submit(form, SST2);
  const shown = await page.locator(`${form} .labels li`).evaluateAll((lis) => lis.map((li) => ({ label: li.getAttribute("data-label"), score: Number(li.getAttribute("data-score")) })));
  assert.deepEqual(shown, body.result);
  assert.deepEqual(shown.map((l) => l.label).sort(), ["NEGATIVE", "POSITIVE"]);
});

test("rerank shows the passages in the API's order, top_k keeps the best; top_k 0 is the server's error", async () => {
  const form = "form[aria-labelledby=rerank-title]";
  assert.equal(await page.inputValue("#rerank-model"), RERANKER);
  const passages = ["Paris is the capital of France.", "Bananas are yellow.", "", "Berlin is in Germany.", "France borders Spain."];
  await page.fill("#rerank-contexts", passages.join("\n"));
  const { sent, body } = await submit(form, RERANKER);
  const texts = passages.filter(Boolean);
  assert.deepEqual(sent.contexts, texts.map((text) => ({ text })));
  const order = (body.result.response as { id: number }[]).map((r) => r.id);
  assert.equal(order.length, 4);
  const shownIds = await page.locator(`${form} .ranked li`).evaluateAll((lis) => lis.map((li) => Number(li.getAttribute("data-id"))));
  assert.deepEqual(shownIds, order);
  assert.deepEqual(await page.locator(`${form} .ranked li .model-text`).allTextContents(), order.map((id) => texts[id]));

  await page.fill("#rerank-top-k", "2");
  const top = await submit(form, RERANKER);
  assert.deepEqual(await page.locator(`${form} .ranked li`).evaluateAll((lis) => lis.map((li) => Number(li.getAttribute("data-id")))), top.body.result.response.map((r: { id: number }) => r.id));
  assert.equal(top.body.result.response.length, 2);

  await page.fill("#rerank-top-k", "0");
  const bad = await submit(form, RERANKER);
  assert.match(bad.body.errors[0]!.message, /top_k/);
  assert.equal(await page.textContent(`${form} p.error[role=alert]`), bad.body.errors[0]!.message);
  await page.fill("#rerank-top-k", "");
  assert.equal((await submit(form, RERANKER)).body.success, true);
  await page.screenshot({ path: join(ARTIFACTS, "text-tools.png"), fullPage: true });
  assert.deepEqual(dash.errors, []);
  assert.deepEqual(dash.offsite, []);
});

test("on a 390 px phone the panels stack and nothing scrolls sideways, even with a long unbroken translation", async () => {
  const phone = await openDashboard(browser, server.url, { width: 390, height: 844 });
  try {
    await phone.page.click('nav a[href="#text-tools"]');
    await phone.page.fill("#translate-text", "x".repeat(400));
    await submit("form[aria-labelledby=translate-title]", M2M100, phone.page);
    const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the page scrolls sideways (${width} px)`);
    await phone.page.screenshot({ path: join(ARTIFACTS, "text-tools-390.png"), fullPage: true });
    assert.deepEqual(phone.errors, []);
  } finally {
    await phone.page.close();
  }
  // The server still answers a plain request after all of the above.
  assert.equal((await postJson(`${server.url}/ai/run/${SST2}`, { text: "fine" })).status, 200);
});
