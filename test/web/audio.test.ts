import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { speech, wavDuration } from "../helpers/audio.js";
import { ARTIFACTS, dashboardSuite, openDashboard, type WatchedPage } from "../helpers/browser.js";
import { type TestServer } from "../helpers/server.js";

// The Audio page in real Chromium against the real server: whisper's random-weight stand-in
// (its words are gibberish and differ run to run, so checks compare the page with the API's
// own answer) and espeak-ng, which speaks for real. The microphone is Chromium's fake device,
// playing an espeak-ng WAV.
const WHISPER = "@outpost/whisper-micro-en-standin";
const ESPEAK = "@outpost/espeak-ng";

const dir = mkdtempSync(join(tmpdir(), "outpost-web-audio-"));
const hello = speech("Hello world. This is a test of speech recognition.");
const mic = join(dir, "mic.wav");
writeFileSync(mic, hello);
after(() => rmSync(dir, { recursive: true, force: true }));

let server: TestServer;
let browser: Browser;
let dash: WatchedPage;
let page: Page;

dashboardSuite(
  async (d) => {
    ({ server, browser, dash, page } = d);
    await page.click('nav a[href="#audio"]');
    await page.waitForSelector("section.audio:not([hidden]) h1");
  },
  undefined,
  { chromiumArgs: ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", `--use-file-for-fake-audio-capture=${mic}`] },
);

const TRANSCRIBE = "form[aria-labelledby=transcribe-title]";
const SPEAK = "form[aria-labelledby=speak-title]";

interface Sent {
  body: Buffer;
  result: { success: boolean; result: any; errors: { message: string }[] };
}

/** Submits a panel; answers the request body the page sent and the API's envelope, once the page shows it. */
async function submit(form: string, model: string, on = page): Promise<Sent> {
  const [response] = await Promise.all([on.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === `/ai/run/${model}`), on.click(`${form} button[type=submit]`)]);
  await on.waitForSelector(`${form} button[type=submit]:not([disabled])`);
  return { body: response.request().postDataBuffer()!, result: await response.json() };
}

/** The words and times the page shows. */
const shownWords = () =>
  page.locator(`${TRANSCRIBE} .words li`).evaluateAll((lis) => lis.map((li) => ({ word: li.querySelector(".model-text")!.textContent, start: Number(li.getAttribute("data-start")), end: Number(li.getAttribute("data-end")) })));

/**
 * Transcribes until the stand-in says something: with random weights whisper.cpp falls back to
 * sampling, and about half its answers are no words at all. Each try's page must match its answer.
 */
async function transcribeUntilWords(): Promise<Sent> {
  for (let i = 0; i < 12; i++) {
    const sent = await submit(TRANSCRIBE, WHISPER);
    assert.equal(sent.result.success, true, JSON.stringify(sent.result.errors));
    const words = sent.result.result.words as unknown[];
    if (words.length === 0) assert.equal(await page.textContent(`${TRANSCRIBE} .result .hint`), "The model heard no words.");
    else return sent;
  }
  throw new Error("in 12 tries the stand-in said nothing");
}

test("an uploaded WAV goes as its raw bytes; the transcript's words appear with their times, and the VTT downloads", async () => {
  assert.equal(await page.inputValue("#transcribe-model"), WHISPER);
  await page.setInputFiles("#transcribe-file", { name: "hello.wav", mimeType: "audio/wav", buffer: hello });
  const sent = await transcribeUntilWords();
  assert.deepEqual(sent.body, hello);
  const { text, words, vtt } = sent.result.result;
  assert.deepEqual(await shownWords(), words);
  assert.equal(await page.textContent(`${TRANSCRIBE} .transcript-text`), text);
  const href = await page.getAttribute(`${TRANSCRIBE} a[download="transcript.vtt"]`, "href");
  assert.equal(decodeURIComponent(href!.replace(/^data:text\/vtt;charset=utf-8,/, "")), vtt);
});

test("recording from the microphone sends a 16 kHz mono WAV of what it heard, and transcribes it", async () => {
  await page.click(`${TRANSCRIBE} button:has-text('Record')`);
  await page.waitForSelector(`${TRANSCRIBE} .recording`);
  await page.waitForTimeout(2_000);
  await page.click(`${TRANSCRIBE} button:has-text('Stop recording')`);
  // The clip becomes the recording once the browser has decoded it.
  await page.waitForSelector(`${TRANSCRIBE} .clip .hint:text-is("recording.wav")`);
  const sent = await transcribeUntilWords();
  const { seconds, sampleRate } = wavDuration(sent.body);
  assert.equal(sampleRate, 16_000);
  assert.equal(sent.body.readUInt16LE(22), 1, "mono");
  assert.ok(seconds > 1 && seconds < 4, `${seconds} s recorded in about 2 s`);
  // The fake microphone plays the espeak WAV: speech, not silence.
  const samples = Array.from({ length: (sent.body.length - 44) / 2 }, (_, i) => sent.body.readInt16LE(44 + i * 2) / 32_768);
  const rms = Math.sqrt(samples.reduce((s, v) => s + v * v, 0) / samples.length);
  assert.ok(rms > 0.01, `the recording is silent (rms ${rms})`);
  assert.deepEqual(await shownWords(), sent.result.result.words);
});

test("text to speech gives the audio element a playable source: the API's MP3, byte for byte", async () => {
  assert.equal(await page.inputValue("#speak-model"), ESPEAK);
  // espeak-ng needs no pull: marked local, with no Pull button.
  assert.equal(await page.textContent(`${SPEAK} .badge`), "local");
  assert.equal(await page.locator(`${SPEAK} button:has-text('Pull')`).count(), 0);
  await page.selectOption("#speak-lang", "fr");
  await page.fill("#speak-text", "Bonjour tout le monde.");
  const sent = await submit(SPEAK, ESPEAK);
  assert.deepEqual(JSON.parse(sent.body.toString()), { prompt: "Bonjour tout le monde.", lang: "fr" });
  const player = page.locator(`${SPEAK} audio`);
  const played = await player.evaluate(async (audio: HTMLAudioElement) => {
    if (audio.readyState < 1) {
      await new Promise((resolve, reject) => {
        audio.onloadedmetadata = resolve;
        audio.onerror = () => reject(new Error(`media error ${audio.error?.code}`));
        setTimeout(() => reject(new Error(`no metadata in 10 s (readyState ${audio.readyState}, networkState ${audio.networkState})`)), 10_000);
      });
    }
    return { src: audio.src, duration: audio.duration };
  });
  assert.match(played.src, /^blob:/);
  assert.ok(played.duration > 0.5 && played.duration < 10, `duration ${played.duration}`);
  // The page may fetch only the server (connect-src), so the bytes are read as a person saves them.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click(`${SPEAK} a[download]`)]);
  assert.equal(download.suggestedFilename(), "speech.mp3");
  assert.equal(readFileSync((await download.path())!).toString("base64"), sent.result.result.audio);
});

test("a file that is not audio shows the server's error, and the next upload transcribes", async () => {
  await page.setInputFiles("#transcribe-file", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("these are not sounds") });
  const bad = await submit(TRANSCRIBE, WHISPER);
  assert.equal(bad.result.success, false);
  assert.match(bad.result.errors[0]!.message, /^Invalid input at '\/audio': not audio/);
  assert.equal(await page.textContent(`${TRANSCRIBE} p.error[role=alert]`), bad.result.errors[0]!.message);
  assert.equal(await page.locator(`${TRANSCRIBE} .result`).count(), 0);

  await page.setInputFiles("#transcribe-file", { name: "hello.wav", mimeType: "audio/wav", buffer: hello });
  const next = await submit(TRANSCRIBE, WHISPER);
  assert.equal(next.result.success, true);
  assert.equal(await page.locator(`${TRANSCRIBE} p.error`).count(), 0);
  await page.screenshot({ path: join(ARTIFACTS, "audio.png"), fullPage: true });
  assert.deepEqual(dash.errors, []);
  assert.deepEqual(dash.offsite, []);
});

test("on a 390 px phone the Audio page fits and still speaks", async () => {
  const phone = await openDashboard(browser, server.url, { width: 390, height: 844 });
  try {
    await phone.page.click('nav a[href="#audio"]');
    // Until the server's models arrive the picker shows the catalog's first text-to-speech model.
    await phone.page.waitForFunction((model) => document.querySelector<HTMLSelectElement>("#speak-model")?.value === model, ESPEAK);
    const sent = await submit(SPEAK, ESPEAK, phone.page);
    assert.equal(sent.result.success, true);
    const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the page scrolls sideways (${width} px)`);
    await phone.page.screenshot({ path: join(ARTIFACTS, "audio-390.png"), fullPage: true });
    assert.deepEqual(phone.errors, []);
  } finally {
    await phone.page.close();
  }
});

test("the Catalog marks espeak-ng as programs on the server, with no Pull", async () => {
  await page.click('nav a[href="#catalog"]');
  await page.fill("#catalog-search", ESPEAK);
  const card = page.locator(`article.model[data-model="${ESPEAK}"]`);
  assert.equal(await card.locator(".badge.local").textContent(), "programs · nothing to pull");
  assert.equal(await card.locator("button:has-text('Pull')").count(), 0);
});
