import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { ARTIFACTS, dashboardSuite, type WatchedPage } from "../helpers/browser.js";
import { STORIES, TINYSTORIES_656K, postJson, type TestServer } from "../helpers/server.js";

// A comparison as a session: it survives a reload, and its last turn can be regenerated or
// edited and sent again. Greedy settings make every answer the API's answer, byte for byte.
const KEY = "outpost:compare:v1";
let server: TestServer;
let dash: WatchedPage;
let page: Page;

dashboardSuite((d) => ({ server, dash, page } = d));

const pane = (n: number) => page.locator(`[data-pane="${n}"]`);
const turns = (n: number) => pane(n).locator(".turn");
const answers = (n: number) => turns(n).locator(".answer").allTextContents();

async function waitDone(n: number) {
  await page.waitForSelector(`[data-pane="${n}"] .turn:last-child:not([data-status="streaming"])`, { timeout: 60_000 });
  assert.equal(await turns(n).last().getAttribute("data-status"), "done", (await turns(n).last().textContent()) ?? "");
}

/** The model's greedy answer to a conversation, from the REST API. */
async function direct(model: string, messages: { role: string; content: string }[], maxTokens: number): Promise<string> {
  const body = (await (await postJson(`${server.url}/ai/run/${model}`, { messages, temperature: 0, max_tokens: maxTokens, seed: 5 })).json()) as { result: { response: string } };
  return body.result.response;
}

async function greedy(n: number, model: string, maxTokens: string) {
  await page.selectOption(`#pane-${n}-model`, model);
  await page.fill(`#pane-${n}-temperature`, "0");
  await page.fill(`#pane-${n}-max-tokens`, maxTokens);
  await page.fill(`#pane-${n}-seed`, "5");
}

async function reload() {
  await page.reload();
  await page.waitForFunction(() => (document.querySelector("#pane-1-model") as HTMLSelectElement | null)?.value);
}

test("panes, settings, conversations and the unsent message survive a reload; Clear all resets", async () => {
  await greedy(1, STORIES, "20");
  await greedy(2, TINYSTORIES_656K, "16");
  await page.fill("#pane-2-system", "Tell a story.");
  await page.fill("#prompt", "Once upon a time");
  await page.getByRole("button", { name: "Send to all" }).click();
  await Promise.all([waitDone(1), waitDone(2)]);
  await page.getByRole("button", { name: "Add pane" }).click();
  await page.fill("#prompt", "A draft, not sent");
  const before = { answers: [await answers(1), await answers(2)], stats: await pane(1).locator(".stats").textContent() };
  assert.equal(before.answers[0]![0], await direct(STORIES, [{ role: "user", content: "Once upon a time" }], 20));

  await reload();
  assert.equal(await page.locator("[data-pane]").count(), 3);
  assert.deepEqual([await answers(1), await answers(2)], before.answers);
  assert.equal(await pane(1).locator(".stats").textContent(), before.stats, "the counts and timings too");
  assert.equal(await turns(1).first().locator(".user").textContent(), "Once upon a time");
  assert.equal(await page.inputValue("#pane-2-model"), TINYSTORIES_656K);
  assert.equal(await page.inputValue("#pane-2-system"), "Tell a story.");
  assert.equal(await page.inputValue("#pane-2-max-tokens"), "16");
  assert.equal(await page.inputValue("#prompt"), "A draft, not sent");
  await page.screenshot({ path: join(ARTIFACTS, "compare-restored.png") });

  // The restored conversation goes on: the next message carries it as history.
  await page.locator('[data-pane="3"]').getByRole("button", { name: "Remove pane 3" }).click();
  await page.fill("#prompt", "The end");
  await page.getByRole("button", { name: "Send to all" }).click();
  await Promise.all([waitDone(1), waitDone(2)]);
  const history = [
    { role: "user", content: "Once upon a time" },
    { role: "assistant", content: before.answers[0]![0]! },
    { role: "user", content: "The end" },
  ];
  assert.equal((await answers(1))[1], await direct(STORIES, history, 20));

  await page.getByRole("button", { name: "Clear all" }).click();
  assert.equal(await page.locator("[data-pane]").count(), 2);
  assert.equal(await page.locator(".turn").count(), 0);
  assert.equal(await page.inputValue("#prompt"), "");
  await reload();
  assert.equal(await page.locator("[data-pane]").count(), 2);
  assert.equal(await page.locator(".turn").count(), 0, "the reset was saved");
  assert.deepEqual(dash.errors, []);
});

test("corrupt saved data is ignored: the page starts afresh and works", async () => {
  for (const corrupt of ["{not json", JSON.stringify({ prompt: "x", state: { panes: "nope", nextId: 1 } }), JSON.stringify({ prompt: 1 })]) {
    await page.evaluate(([key, value]) => localStorage.setItem(key!, value!), [KEY, corrupt]);
    await reload();
    assert.equal(await page.locator("[data-pane]").count(), 2, corrupt);
    assert.equal(await page.locator(".turn").count(), 0, corrupt);
  }
  await greedy(1, STORIES, "8");
  await page.fill("#prompt", "Once");
  await page.getByRole("button", { name: "Send to all" }).click();
  await waitDone(1);
  assert.equal((await answers(1))[0], await direct(STORIES, [{ role: "user", content: "Once" }], 8));
  assert.deepEqual(dash.errors, []);
});

test("the last message can be regenerated, or edited and sent again, in its own place", async () => {
  // The last test left pane 2 on its default, sampled settings: Clear all waits for nothing to stream.
  await page.waitForSelector('.turn[data-status="streaming"]', { state: "detached", timeout: 90_000 });
  await page.getByRole("button", { name: "Clear all" }).click();
  await page.locator('[data-pane="2"]').getByRole("button", { name: "Remove pane 2" }).click();
  await greedy(1, STORIES, "12");
  const sent: { messages: unknown; max_tokens: number }[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/ai/run/")) sent.push(r.postDataJSON() as (typeof sent)[number]);
  });
  const first = [{ role: "user", content: "Once upon a time" }];
  await page.fill("#prompt", "Once upon a time");
  await page.getByRole("button", { name: "Send to all" }).click();
  await waitDone(1);
  const firstAnswer = await direct(STORIES, first, 12);
  await page.fill("#prompt", "The end");
  await page.getByRole("button", { name: "Send to all" }).click();
  await waitDone(1);
  assert.equal(await pane(1).getByRole("button", { name: "Regenerate" }).count(), 1, "only the last turn offers it");

  // Regenerate asks again with the pane's settings as they are now, in place of the old answer.
  await page.fill("#pane-1-max-tokens", "6");
  await pane(1).getByRole("button", { name: "Regenerate" }).click();
  await waitDone(1);
  const history = [...first, { role: "assistant", content: firstAnswer }, { role: "user", content: "The end" }];
  assert.deepEqual(sent.at(-1)?.messages, history, "the old answer is not in the request");
  assert.equal(sent.at(-1)?.max_tokens, 6);
  assert.equal(await turns(1).count(), 2);
  assert.deepEqual(await answers(1), [firstAnswer, await direct(STORIES, history, 6)]);

  // Edit: Esc cancels without stopping anything; Ctrl+Enter sends the new text in its place.
  await pane(1).getByRole("button", { name: "Edit message" }).click();
  const editor = page.locator("#pane-1-edit");
  assert.equal(await editor.inputValue(), "The end");
  await editor.press("Escape");
  assert.equal(await turns(1).last().locator(".user").textContent(), "The end");
  await pane(1).getByRole("button", { name: "Edit message" }).click();
  await editor.fill("Then a dog came");
  await page.screenshot({ path: join(ARTIFACTS, "compare-edit.png") });
  await editor.press("Control+Enter");
  await waitDone(1);
  const edited = [...first, { role: "assistant", content: firstAnswer }, { role: "user", content: "Then a dog came" }];
  assert.deepEqual(sent.at(-1)?.messages, edited);
  assert.equal(await turns(1).count(), 2);
  assert.equal(await turns(1).last().locator(".user").textContent(), "Then a dog came");
  assert.deepEqual(await answers(1), [firstAnswer, await direct(STORIES, edited, 6)]);

  // The edited conversation is what a reload brings back.
  await reload();
  assert.deepEqual(await turns(1).locator(".user").allTextContents(), ["Once upon a time", "Then a dog came"]);
  assert.deepEqual(dash.errors, []);
});
