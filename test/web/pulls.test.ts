import assert from "node:assert/strict";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { startFileServer, type FileServer } from "../helpers/file-server.js";
import { ARTIFACTS, launchChromium, openDashboard, type WatchedPage } from "../helpers/browser.js";
import { MODEL_MIRROR, STORIES, TINYSTORIES_656K, postJson, startServer, type TestServer } from "../helpers/server.js";

// Pulling and removing models from the dashboard, in real Chromium against the real server.
// The mirror holds only the 656K model; the 260K one comes from a loopback stand-in for
// Hugging Face, slowly, so its progress can be watched. Anything else it answers 404.
const HF_STORIES = "/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf";
const NOT_SERVED = "@cf/meta/llama-2-7b-chat-int8";
let hf: FileServer;
let mirror: string;
let server: TestServer;
let browser: Browser;
let dash: WatchedPage;
let page: Page;

before(async () => {
  hf = await startFileServer();
  hf.serve(HF_STORIES, join(MODEL_MIRROR, "stories260K.gguf"), { throttle: { chunkBytes: 256 * 1024, delayMs: 150 } });
  mirror = mkdtempSync(join(tmpdir(), "outpost-mirror-"));
  symlinkSync(join(MODEL_MIRROR, "TinyStories-656K-Q8_0.gguf"), join(mirror, "TinyStories-656K-Q8_0.gguf"));
  [server, browser] = await Promise.all([startServer({ "model-mirror": mirror, "hf-endpoint": hf.url }), launchChromium()]);
  dash = await openDashboard(browser, server.url);
  page = dash.page;
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await hf?.close();
  if (mirror) rmSync(mirror, { recursive: true, force: true });
});

const show = async (hash: string) => {
  await page.click(`nav a[href="${hash}"]`);
  await page.waitForSelector(`section.page:not([hidden]) h1`);
};

/** The models in one group of pane 1's picker. */
const group = (label: string) => page.locator(`#pane-1-model optgroup[label="${label}"] option`).evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));

test("a picker marks a model that is not local and pulls it inline, with progress; then it answers", async () => {
  await show("#compare");
  const field = page.locator('[data-pane="1"] .model-select');
  await page.selectOption("#pane-1-model", TINYSTORIES_656K);
  assert.equal(await field.getAttribute("data-local"), "true");
  assert.equal(await field.locator(".badge").textContent(), "local");
  assert.equal(await field.getByRole("button", { name: /^Pull/ }).count(), 0, "nothing to pull for a local model");

  await page.selectOption("#pane-1-model", STORIES);
  assert.equal(await field.getAttribute("data-local"), "false");
  assert.equal(await field.locator(".badge").textContent(), "not local");
  assert.ok((await group("Catalog (pull first)")).includes(STORIES));
  await field.getByRole("button", { name: `Pull ${STORIES}` }).click();
  await field.locator('.pull[data-state="pulling"] progress').waitFor();
  await page.screenshot({ path: join(ARTIFACTS, "picker-pull.png") });
  await page.waitForSelector('[data-pane="1"] .model-select[data-local="true"]', { timeout: 30_000 });
  assert.equal(await field.locator(".badge").textContent(), "local");
  assert.equal(await page.inputValue("#pane-1-model"), STORIES, "the pulled model stays chosen");
  assert.deepEqual(await group("On this server"), [STORIES, TINYSTORIES_656K]);
  assert.ok(hf.requests.some((r) => r.path === HF_STORIES && r.status === 200), "it came from the Hugging Face endpoint");

  await page.fill("#pane-1-temperature", "0");
  await page.fill("#pane-1-max-tokens", "24");
  await page.fill("#pane-1-seed", "3");
  await page.fill("#prompt", "Once upon a time");
  await page.getByRole("button", { name: "Send to all" }).click();
  await page.waitForSelector('[data-pane="1"] .turn:last-child:not([data-status="streaming"])', { timeout: 60_000 });
  const turn = page.locator('[data-pane="1"] .turn').last();
  assert.equal(await turn.getAttribute("data-status"), "done", (await turn.textContent()) ?? "");
  const direct = (await (await postJson(`${server.url}/ai/run/${STORIES}`, { messages: [{ role: "user", content: "Once upon a time" }], temperature: 0, max_tokens: 24, seed: 3 })).json()) as { result: { response: string } };
  assert.equal(await turn.locator(".answer").textContent(), direct.result.response);
});

test("Remove asks first: Cancel keeps the model, Remove deletes it", async () => {
  await show("#catalog");
  await page.fill("#catalog-search", STORIES);
  const card = page.locator(`article.model[data-model="${STORIES}"]`);
  await card.locator(".badge.local", { hasText: "pulled" }).waitFor();
  const dialog = page.getByRole("alertdialog", { name: `Remove ${STORIES}?` });

  await card.getByRole("button", { name: `Remove ${STORIES}` }).click();
  await dialog.waitFor();
  assert.match((await dialog.textContent()) ?? "", /1\.13 MiB/);
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Cancel", "Enter alone does not delete");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "detached" });
  const local = async () => ((await (await fetch(`${server.url}/api/models`)).json()) as { result: { model: string }[] }).result.map((m) => m.model);
  assert.ok((await local()).includes(STORIES), "Cancel removed nothing");

  await card.getByRole("button", { name: `Remove ${STORIES}` }).click();
  await dialog.waitFor();
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
  assert.ok((await local()).includes(STORIES), "Esc removed nothing");

  await card.getByRole("button", { name: `Remove ${STORIES}` }).click();
  await page.screenshot({ path: join(ARTIFACTS, "catalog-remove.png") });
  await dialog.getByRole("button", { name: "Remove" }).click();
  await card.locator(".badge", { hasText: "not local" }).waitFor();
  assert.ok(!(await local()).includes(STORIES));
  assert.equal(await card.locator(".pull").count(), 0, "the old pull's progress is gone");
});

test("a failed pull's error stays inside its card and names the URL once", async () => {
  await show("#catalog");
  await page.fill("#catalog-search", NOT_SERVED);
  const card = page.locator(`article.model[data-model="${NOT_SERVED}"]`);
  await card.getByRole("button", { name: `Pull ${NOT_SERVED}` }).click();
  const error = card.locator(".error");
  await error.waitFor();
  const tried = hf.requests.find((r) => r.status === 404);
  assert.ok(tried, "the pull asked the Hugging Face endpoint");
  const url = `${hf.url}${tried.path}`;
  assert.equal(await error.textContent(), `Could not pull llama-2-7b-chat.Q4_K_M.gguf: ${url}: answered HTTP 404`);
  const [cardBox, errorBox] = [await card.boundingBox(), await error.boundingBox()];
  assert.ok(cardBox && errorBox && errorBox.x + errorBox.width <= cardBox.x + cardBox.width, `the error (${JSON.stringify(errorBox)}) is inside its card (${JSON.stringify(cardBox)})`);
  assert.ok(await card.evaluate((el) => el.scrollWidth <= el.clientWidth), "nothing overflows the card");
  assert.ok(errorBox.height > 30, "the message wraps");
  await page.screenshot({ path: join(ARTIFACTS, "catalog-pull-failed.png") });
  assert.ok(await card.getByRole("button", { name: `Pull ${NOT_SERVED}` }).isEnabled(), "the pull can be tried again");
  assert.deepEqual(dash.errors, []);
});

test("on a 390 px phone, a picker with its Pull and a card with a failed pull fit the screen", async () => {
  const phone = await openDashboard(browser, server.url, { width: 390, height: 844 });
  try {
    await phone.page.selectOption("#pane-1-model", NOT_SERVED);
    await phone.page.locator('[data-pane="1"]').getByRole("button", { name: `Pull ${NOT_SERVED}` }).waitFor();
    const fits = () => phone.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok((await fits()) <= 390, `compare scrolls sideways (${await fits()} px)`);
    await phone.page.click('nav a[href="#catalog"]');
    await phone.page.fill("#catalog-search", NOT_SERVED);
    // Pull state lives in each page: this one pulls (and fails) again.
    const card = phone.page.locator(`article.model[data-model="${NOT_SERVED}"]`);
    await card.getByRole("button", { name: `Pull ${NOT_SERVED}` }).click();
    await card.locator(".error").waitFor();
    assert.ok((await fits()) <= 390, `the catalog scrolls sideways (${await fits()} px)`);
    await phone.page.screenshot({ path: join(ARTIFACTS, "catalog-pull-failed-390.png") });
    assert.deepEqual(phone.errors, []);
  } finally {
    await phone.page.close();
  }
});
