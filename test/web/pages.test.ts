import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { ARTIFACTS, dashboardSuite, openDashboard, type WatchedPage } from "../helpers/browser.js";
import { STORIES, STORIES_EMBEDDINGS, postJson, type TestServer } from "../helpers/server.js";

// The catalog, embeddings and live pages in real Chromium against the real server.
let server: TestServer;
let browser: Browser;
let dash: WatchedPage;
let page: Page;

dashboardSuite((d) => ({ server, browser, dash, page } = d));

const show = async (hash: string) => {
  await page.click(`nav a[href="${hash}"]`);
  await page.waitForSelector(`section.page:not([hidden]) h1`);
};

function cosine(a: number[], b: number[]): number {
  const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0);
  return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
}

test("the catalog searches, filters by task and shows each model's properties", async () => {
  await show("#catalog");
  const all = ((await (await fetch(`${server.url}/ai/models/search?per_page=1000`)).json()) as { result: unknown[] }).result.length;
  const cards = page.locator("article.model");
  assert.equal(await cards.count(), all);
  assert.equal(await page.textContent(".catalog .count"), `${all} of ${all} models`);

  await page.fill("#catalog-search", "tinyllamas");
  assert.deepEqual(await cards.evaluateAll((els) => els.map((e) => e.getAttribute("data-model"))), [STORIES, STORIES_EMBEDDINGS]);
  await page.selectOption("#catalog-task", "Text Embeddings");
  assert.deepEqual(await cards.evaluateAll((els) => els.map((e) => e.getAttribute("data-model"))), [STORIES_EMBEDDINGS]);
  const properties = await cards.first().locator(".properties").innerText();
  assert.match(properties, /Output dimensions\s+64/);

  await page.fill("#catalog-search", "");
  await page.selectOption("#catalog-task", "");
  await page.screenshot({ path: join(ARTIFACTS, "catalog.png") });
});

test("pulling a model shows a live progress bar, and removing it takes it off the server", async (t) => {
  if ((await fetch(`${server.url}/api/pulls`)).status === 404) {
    t.skip("needs the store's pull API (issue 4): GET /api/pulls is 404 on this server");
    return;
  }
  await show("#catalog");
  await page.fill("#catalog-search", STORIES);
  const card = page.locator(`article.model[data-model="${STORIES}"]`);
  // Record every value the progress bar shows: a local pull can finish between two polls.
  await page.evaluate(() => {
    const w = window as unknown as { progress: string[] };
    w.progress = [];
    new MutationObserver(() => {
      const bar = document.querySelector("progress");
      if (bar) w.progress.push(`${bar.getAttribute("value")}/${bar.getAttribute("max")}`);
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await card.getByRole("button", { name: `Pull ${STORIES}` }).click();
  await card.locator(".badge.local", { hasText: "pulled" }).waitFor();
  const progress = await page.evaluate(() => (window as unknown as { progress: string[] }).progress);
  assert.ok(progress.length > 0, "a progress bar was shown");
  assert.equal(progress.at(-1), "1185376/1185376", "it ends full at the file's size");
  await page.screenshot({ path: join(ARTIFACTS, "catalog-pull.png") });
  const local = ((await (await fetch(`${server.url}/api/models`)).json()) as { result: { model: string; location: string }[] }).result;
  assert.equal(local.find((m) => m.model === STORIES)?.location, "store");

  await card.getByRole("button", { name: `Remove ${STORIES}` }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Remove" }).click();
  await card.locator(".badge.local", { hasText: "in mirror" }).waitFor();
});

test("several texts in, a similarity heat map out, matching the embeddings API", async () => {
  await show("#embeddings");
  const texts = await page.locator(".texts input").evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
  assert.ok(texts.length >= 3);
  await page.getByRole("button", { name: "Compare texts" }).click();
  await page.waitForSelector(".heatmap tbody td");
  const cells = await page.locator(".heatmap tbody tr").evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent)));
  const direct = ((await (await postJson(`${server.url}/ai/run/${STORIES_EMBEDDINGS}`, { text: texts })).json()) as { result: { data: number[][] } }).result.data;
  assert.deepEqual(
    cells,
    direct.map((a) => direct.map((b) => cosine(a, b).toFixed(2))),
  );
  const colours = await page.locator(".heatmap tbody td").evaluateAll((tds) => new Set(tds.map((td) => getComputedStyle(td).backgroundColor)).size);
  assert.ok(colours > 2, "cells are coloured by their value");
  await page.screenshot({ path: join(ARTIFACTS, "embeddings.png"), fullPage: true });
});

test("the live view charts load and speed per model and lists the latest requests", async () => {
  await show("#live");
  await page.waitForSelector(`.models-now tr[data-model="${STORIES_EMBEDDINGS}"]`);
  // Generate while the page watches: the tokens/s chart must rise above zero.
  const generated = await postJson(`${server.url}/ai/run/${STORIES}`, { prompt: "Once upon a time", max_tokens: 200 });
  assert.equal(generated.status, 200);
  await page.waitForFunction(() => {
    const path = [...document.querySelectorAll(".chart")].find((c) => c.textContent?.startsWith("Tokens per second"))?.querySelector("path")?.getAttribute("d") ?? "";
    return [...path.matchAll(/[ML][\d.-]+ ([\d.-]+)/g)].some((m) => Number(m[1]) < 119);
  });
  assert.equal(await page.locator(".chart svg").count(), 4);
  const row = page.locator(`.models-now tr[data-model="${STORIES}"]`);
  assert.equal(await row.locator(".active").textContent(), "0");
  assert.equal(await row.locator(".queued").textContent(), "0");

  const rows = await page.locator(".requests tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
  const newest = rows.find((r) => r[1] === STORIES);
  assert.ok(newest, "the generation is listed");
  assert.equal(newest[2], "200");
  assert.equal(newest[5], "200", "with its token count");
  assert.equal(newest[6], "this server");
  assert.equal(await page.locator("#network-title").count(), 0, "no network section on a single server");
  await page.screenshot({ path: join(ARTIFACTS, "live.png"), fullPage: true });
  assert.deepEqual(dash.errors, []);
});

test("on a 390 px phone, Live reflows its tables, shows failed requests' errors and never asks a single node for /network", async () => {
  assert.equal((await postJson(`${server.url}/ai/run/${STORIES}`, { prompt: "Once", max_tokens: 8 })).status, 200);
  // Fails inside run(), so the request log records it with the message the caller got.
  const bad = await postJson(`${server.url}/ai/run/${STORIES}`, { prompt: 5 });
  assert.equal(bad.status, 400);
  const message = ((await bad.json()) as { errors: { message: string }[] }).errors[0]!.message;
  const phone = await openDashboard(browser, server.url, { width: 390, height: 844 });
  try {
    await phone.page.click('nav a[href="#live"]');
    const failedRow = phone.page.locator('.requests tbody tr[data-status="400"]').first();
    await failedRow.waitFor();
    assert.equal(await failedRow.locator(".row-error").textContent(), message);
    await phone.page.waitForSelector(".models-now tr[data-model]");
    // A model id squeezed into a column wraps one character per line; reflowed, it gets the row.
    for (const cell of [".models-now tr[data-model] td.mono", ".requests tbody tr td.mono"]) {
      const box = await phone.page.locator(cell).first().boundingBox();
      assert.ok(box && box.width >= 200, `${cell} is ${box?.width} px wide`);
    }
    const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the page scrolls sideways (${width} px)`);
    await phone.page.screenshot({ path: join(ARTIFACTS, "live-390.png"), fullPage: true });
    // Two polls later: still no /network, and nothing failed at all.
    await phone.page.waitForTimeout(4_500);
    assert.deepEqual(phone.failed, []);
    assert.deepEqual(phone.errors, []);
  } finally {
    await phone.page.close();
  }
});

test("the network's cities and nodes appear once the server reports them", async () => {
  // A single server has no /network (404) and says so in /healthz: this stands in for a node of
  // a network (issue 5), with the view's shape from src/network/view.ts.
  const view = {
    node: "lis-1",
    cities: [
      { city: "lis", region: "eu", nodes: 2, healthy: 2 },
      { city: "nyc", region: "us", nodes: 1, healthy: 0 },
    ],
    nodes: [
      { node: "lis-1", city: "lis", region: "eu", health: "ok", self: true, ageMs: 10, models: { [STORIES]: { loaded: true, slots: 4, active: 3, queued: 1, maxQueue: 64 } } },
      { node: "lis-2", city: "lis", region: "eu", health: "ok", self: false, ageMs: 20, rttMs: 0.4, models: {} },
      { node: "nyc-1", city: "nyc", region: "us", health: "down", self: false, ageMs: 9000, rttMs: 80, models: {} },
    ],
  };
  const other = await browser.newPage();
  try {
    await other.route("**/healthz", (route) => route.fulfill({ json: { ok: true, network: true } }));
    await other.route("**/network", (route) => route.fulfill({ json: view }));
    await other.goto(`${server.url}/#live`);
    await other.waitForSelector("#network-title");
    const tables = await other.locator('[aria-labelledby="network-title"] table').evaluateAll((ts) => ts.map((t) => [...t.querySelectorAll("tbody tr")].map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent))));
    assert.deepEqual(tables, [
      [
        ["lis", "eu", "2", "2"],
        ["nyc", "us", "1", "0"],
      ],
      [
        ["lis-1 (this one)", "lis", "ok", "–", "3 / 4", "1"],
        ["lis-2", "lis", "ok", "0.40 ms", "0 / 0", "0"],
        ["nyc-1", "nyc", "down", "80 ms", "0 / 0", "0"],
      ],
    ]);
    await other.screenshot({ path: join(ARTIFACTS, "live-network.png"), fullPage: true });
  } finally {
    await other.close();
  }
});
