import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import sharp from "sharp";
import { ARTIFACTS, dashboardSuite, openDashboard, type WatchedPage } from "../helpers/browser.js";
import { centernetFolder, photo as realPhoto } from "../helpers/real-media.js";
import { standinMirror } from "../helpers/standins.js";
import { type TestServer } from "../helpers/server.js";

// The Vision page in real Chromium against the real server and the random-weight stand-ins
// (their labels are arbitrary, so each check compares the page with the API's own answer), and
// one real trained detector, MobileNetV3-CenterNet on TF.js, whose boxes on a real photo mean something.
const RESNET = "@cf/microsoft/resnet-50";
const DETR = "@cf/facebook/detr-resnet-50";
const CENTERNET = "@outpost/mobilenetv3-centernet";
const CAPTIONER = "@outpost/vit-gpt2-tiny-standin";

const mirror = standinMirror({ "mobilenetv3-centernet": centernetFolder() });
after(() => rmSync(mirror, { recursive: true, force: true }));
let server: TestServer;
let browser: Browser;
let dash: WatchedPage;
let page: Page;
let photo: Buffer;

before(async () => {
  const square = await sharp({ create: { width: 120, height: 90, channels: 3, background: { r: 230, g: 200, b: 40 } } }).png().toBuffer();
  photo = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 30, g: 90, b: 160 } } })
    .composite([{ input: square, left: 100, top: 80 }])
    .png()
    .toBuffer();
});
dashboardSuite(
  async (d) => {
    ({ server, browser, dash, page } = d);
    await page.click('nav a[href="#vision"]');
    await page.waitForSelector("section.vision:not([hidden]) h1");
  },
  undefined,
  { server: { "model-mirror": mirror } },
);

const CLASSIFY = "form[aria-labelledby=vision-classify-title]";
const DETECT = "form[aria-labelledby=vision-detect-title]";
const DESCRIBE = "form[aria-labelledby=vision-describe-title]";

/** Submits a panel; answers the API's envelope once the page shows it. */
async function submit(form: string, model: string, on = page): Promise<{ success: boolean; result: any; errors: { message: string }[] }> {
  const [response] = await Promise.all([on.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === `/ai/run/${model}`), on.click(`${form} button[type=submit]`)]);
  await on.waitForSelector(`${form} button[type=submit]:not([disabled])`);
  return response.json();
}

async function upload(name: string, buffer: Buffer, mimeType = "image/png", on = page): Promise<void> {
  await on.setInputFiles("#vision-file", { name, mimeType, buffer });
}

const drawnRects = (form: string, on = page) =>
  on.locator(`${form} .frame rect`).evaluateAll((rects) => rects.map((r) => ({ label: r.getAttribute("data-label"), x: Number(r.getAttribute("x")), y: Number(r.getAttribute("y")), width: Number(r.getAttribute("width")), height: Number(r.getAttribute("height")) })));

type Detection = { score: number; label: string; box: { xmin: number; ymin: number; xmax: number; ymax: number } };

/** The rectangles a detector's answer should draw (none of these tests' boxes pass the image's edges). */
const rectsOf = (found: Detection[]) => found.map(({ label, box }) => ({ label, x: box.xmin, y: box.ymin, width: box.xmax - box.xmin, height: box.ymax - box.ymin }));

test("classify shows the model's five labels with their scores, in its order", async () => {
  await upload("photo.png", photo);
  await page.waitForSelector("section.vision img.preview");
  assert.equal(await page.inputValue("#vision-classify-model"), RESNET);
  const body = await submit(CLASSIFY, RESNET);
  assert.equal(body.result.length, 5);
  const shown = await page.locator(`${CLASSIFY} .labels li`).evaluateAll((lis) => lis.map((li) => ({ label: li.getAttribute("data-label"), score: Number(li.getAttribute("data-score")) })));
  assert.deepEqual(shown, body.result);
});

test("detect draws exactly the API's boxes over the image (the DETR stand-in finds none above 0.5)", async () => {
  assert.equal(await page.inputValue("#vision-detect-model"), DETR);
  const body = await submit(DETECT, DETR);
  assert.equal(body.success, true);
  await page.waitForSelector(`${DETECT} .frame svg`);
  assert.deepEqual(await drawnRects(DETECT), rectsOf(body.result));
  if (body.result.length === 0) assert.equal(await page.textContent(`${DETECT} .hint`), "No objects found.");
  await page.waitForSelector(`${DETECT} .frame svg`);
  assert.equal(await page.getAttribute(`${DETECT} .frame svg`, "viewBox"), "0 0 320 240");
});

test("the real detector's boxes on a real photo are drawn where the API puts them: a person on the astronaut", async () => {
  const astronaut = realPhoto("astronaut.png");
  await upload("astronaut.png", astronaut);
  await page.waitForSelector("section.vision img.preview");
  await page.selectOption("#vision-detect-model", CENTERNET);
  const body = await submit(DETECT, CENTERNET);
  assert.equal(body.success, true, JSON.stringify(body.errors));
  const found = body.result as Detection[];
  assert.ok(found.some((d) => d.label === "person" && d.score >= 0.5), JSON.stringify(found));
  // The API's own answer for the same file, asked apart from the page, is what the page drew.
  const api = (await (await fetch(`${server.url}/ai/run/${CENTERNET}`, { method: "POST", body: new Uint8Array(astronaut), headers: { "content-type": "image/png" } })).json()) as { result: Detection[] };
  assert.deepEqual(api.result, found);
  await page.waitForSelector(`${DETECT} .frame rect[data-label=person]`);
  assert.equal(await page.getAttribute(`${DETECT} .frame svg`, "viewBox"), "0 0 512 512");
  assert.deepEqual(await drawnRects(DETECT), rectsOf(found));
  assert.deepEqual(await page.locator(`${DETECT} .frame text`).allTextContents(), found.map((d) => d.label));
  await page.screenshot({ path: join(ARTIFACTS, "vision-centernet.png"), fullPage: true });
  // Back to the synthetic picture and the stand-in the later tests use.
  await page.selectOption("#vision-detect-model", DETR);
  await upload("photo.png", photo);
  await page.waitForSelector("section.vision img.preview");
});

test("boxes are drawn at the answer's pixels, labels are text however they read, and a malformed answer is refused", async () => {
  // Random weights detect nothing, so this page gets a detector's answer of Workers AI's shape from a route.
  const answer = [
    { score: 0.98, label: "person", box: { xmin: 100, ymin: 80, xmax: 220, ymax: 170 } },
    { score: 0.61, label: '<img src=x onerror="window.hacked=1">', box: { xmin: 300, ymin: 200, xmax: 400, ymax: 260 } },
  ];
  const other = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  try {
    let reply: unknown = answer;
    await other.route(`**/ai/run/${DETR}`, (route) => route.fulfill({ json: { result: reply, success: true, errors: [], messages: [] } }));
    await other.goto(`${server.url}/#vision`);
    await upload("photo.png", photo, "image/png", other);
    await other.waitForSelector("section.vision img.preview");
    await other.waitForSelector(`${DETECT} button[type=submit]:not([disabled])`);
    await other.click(`${DETECT} button[type=submit]`);
    await other.waitForSelector(`${DETECT} .frame rect`);
    assert.deepEqual(await drawnRects(DETECT, other), [
      { label: "person", x: 100, y: 80, width: 120, height: 90 },
      // Cut at the image's edges (320×240).
      { label: answer[1]!.label, x: 300, y: 200, width: 20, height: 40 },
    ]);
    assert.deepEqual(await other.locator(`${DETECT} .frame text`).allTextContents(), ["person", answer[1]!.label]);
    assert.equal(await other.locator(`${DETECT} img[src=x]`).count(), 0);
    assert.equal(await other.evaluate(() => (window as unknown as { hacked?: number }).hacked), undefined);
    await other.screenshot({ path: join(ARTIFACTS, "vision-boxes.png"), fullPage: true });

    reply = [{ score: "high", label: "person", box: {} }];
    await other.click(`${DETECT} button[type=submit]`);
    assert.equal(await other.textContent(`${DETECT} p.error[role=alert]`), "The model's answer is not a list of {label, score, box}");
  } finally {
    await other.close();
  }
});

test("caption sends the image's bytes and the prompt, and shows the model's {description}", async () => {
  assert.equal(await page.inputValue("#vision-describe-model"), CAPTIONER);
  await page.fill("#vision-describe-prompt", "What is in the picture?");
  const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === `/ai/run/${CAPTIONER}`), page.click(`${DESCRIBE} button[type=submit]`)]);
  await page.waitForSelector(`${DESCRIBE} button[type=submit]:not([disabled])`);
  const sent = JSON.parse(response.request().postData()!);
  assert.deepEqual(Buffer.from(sent.image as number[]), photo);
  assert.equal(sent.prompt, "What is in the picture?");
  const body = await response.json();
  assert.equal(body.success, true, JSON.stringify(body.errors));
  assert.equal(typeof body.result.description, "string");
  assert.equal(await page.textContent(`${DESCRIBE} .result .model-text`), body.result.description);
});

test("a file that is not an image shows the server's error, and the next upload classifies", async () => {
  await upload("notes.txt", Buffer.from("this is not a picture"), "text/plain");
  await page.waitForSelector("section.vision .hint:has-text('cannot show the file')");
  const bad = await submit(CLASSIFY, RESNET);
  assert.equal(bad.success, false);
  assert.match(bad.errors[0]!.message, /^Invalid input at '\/image': not an image/);
  assert.equal(await page.textContent(`${CLASSIFY} p.error[role=alert]`), bad.errors[0]!.message);
  assert.equal(await page.locator(`${CLASSIFY} .labels`).count(), 0);

  await upload("photo.png", photo);
  const next = await submit(CLASSIFY, RESNET);
  assert.equal(next.success, true);
  assert.equal(await page.locator(`${CLASSIFY} p.error`).count(), 0);
  assert.equal(await page.locator(`${CLASSIFY} .labels li`).count(), 5);
  await page.screenshot({ path: join(ARTIFACTS, "vision.png"), fullPage: true });
  assert.deepEqual(dash.errors, []);
  assert.deepEqual(dash.offsite, []);
});

test("on a 390 px phone the Vision page fits, the picture included", async () => {
  const phone = await openDashboard(browser, server.url, { width: 390, height: 844 });
  try {
    await phone.page.click('nav a[href="#vision"]');
    await upload("wide.png", await sharp({ create: { width: 1600, height: 400, channels: 3, background: "#884422" } }).png().toBuffer(), "image/png", phone.page);
    assert.equal((await submit(DETECT, DETR, phone.page)).success, true);
    const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the page scrolls sideways (${width} px)`);
    await phone.page.screenshot({ path: join(ARTIFACTS, "vision-390.png"), fullPage: true });
    assert.deepEqual(phone.errors, []);
  } finally {
    await phone.page.close();
  }
});
