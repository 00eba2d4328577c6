import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { ARTIFACTS, dashboardSuite, type WatchedPage } from "../helpers/browser.js";
import { STORIES } from "../helpers/server.js";

// Answers render as Markdown, and markup a model writes stays text. The hostile answer is real
// model output: a JSON schema whose only value is the string makes the model write it.
const HOSTILE = "<img src=x onerror='window.__pwned=1'><script>window.__pwned=2</script> is **bold** and `code` ok";
let dash: WatchedPage;
let page: Page;

dashboardSuite((d) => ({ dash, page } = d));

test("a model's HTML shows as text, its Markdown as formatting, and nothing it wrote runs", async () => {
  await page.locator('[data-pane="2"]').getByRole("button", { name: "Remove pane 2" }).click();
  await page.selectOption("#pane-1-model", STORIES);
  await page.fill("#pane-1-temperature", "0");
  await page.fill("#pane-1-max-tokens", "200");
  await page.fill("#pane-1-seed", "1");
  await page.check("#pane-1-json-mode");
  await page.fill("#pane-1-schema", JSON.stringify({ const: HOSTILE }));
  await page.fill("#prompt", "Say it");
  await page.getByRole("button", { name: "Send to all" }).click();
  await page.waitForSelector('[data-pane="1"] .turn:last-child:not([data-status="streaming"])', { timeout: 90_000 });
  const turn = page.locator('[data-pane="1"] .turn').last();
  assert.equal(await turn.getAttribute("data-status"), "done", (await turn.textContent()) ?? "");

  const answer = turn.locator(".answer");
  const text = (await answer.textContent()) ?? "";
  assert.ok(text.includes("<img src=x onerror='window.__pwned=1'><script>window.__pwned=2</script> is "), `the markup is shown as written: ${text}`);
  assert.equal(await answer.locator("img, script").count(), 0, "no element came from the answer's markup");
  assert.equal(await answer.locator("strong").textContent(), "bold");
  assert.equal(await answer.locator("code").textContent(), "code");
  assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined, "nothing ran");
  await turn.screenshot({ path: join(ARTIFACTS, "compare-markdown.png") });
  assert.deepEqual(dash.errors, []);
  await page.uncheck("#pane-1-json-mode");
});
