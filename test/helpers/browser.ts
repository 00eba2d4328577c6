import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { REPO_ROOT, startServer, type TestServer } from "./server.js";

/** Debian's Chromium (`apt-get install chromium`, as .ci/run does); a test tool's own browser download cannot work offline. */
export const CHROMIUM = process.env.OUTPOST_CHROMIUM || "/usr/bin/chromium";

/** Screenshots and other files a run leaves for people to look at (gitignored). */
export const ARTIFACTS = join(REPO_ROOT, "test-artifacts");

/** Headless Chromium with a fresh profile (Playwright makes one per launch) and nothing that calls home; `args` adds switches. */
export async function launchChromium(args: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install it with 'apt-get install chromium' (as .ci/run does) or set OUTPOST_CHROMIUM`);
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 60_000,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", ...args],
  });
}

/** A page of the dashboard, with what it did that a test may want to refuse. */
export interface WatchedPage {
  page: Page;
  /** Requests to anywhere but the server. */
  offsite: string[];
  /** Uncaught exceptions and console errors (other than failed resource loads, see `failed`). */
  errors: string[];
  /** `STATUS path` of every response of 400 or more. */
  failed: string[];
}

/**
 * Paths the dashboard probes to learn what the server offers; a 404 there is an answer.
 * /api/models: the store API (issue 4); /network: network mode (issue 5).
 */
export const PROBES = ["/api/models", "/network"];

export async function openDashboard(browser: Browser, serverUrl: string, viewport = { width: 1280, height: 860 }): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport });
  page.setDefaultTimeout(20_000);
  const watched: WatchedPage = { page, offsite: [], errors: [], failed: [] };
  const origin = new URL(serverUrl).origin;
  page.on("request", (r) => {
    if (new URL(r.url()).origin !== origin && !r.url().startsWith("data:")) watched.offsite.push(r.url());
  });
  page.on("response", (r) => {
    if (r.status() >= 400) watched.failed.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  page.on("pageerror", (e) => watched.errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) watched.errors.push(m.text());
  });
  await page.goto(serverUrl);
  // The catalog has arrived once the first pane has a model.
  await page.waitForFunction(() => (document.querySelector("#pane-1-model") as HTMLSelectElement | null)?.value);
  return watched;
}

/** What a dashboard suite works with, once its `before` has run. */
export interface Dashboard {
  server: TestServer;
  browser: Browser;
  dash: WatchedPage;
  page: Page;
}

export interface SuiteOptions {
  /** Server flags, as startServer takes them (e.g. a `model-mirror`). */
  server?: Record<string, string>;
  /** More Chromium switches (e.g. a fake microphone). */
  chromiumArgs?: string[];
}

/**
 * A dashboard suite's fixture: before the file's tests, a server and Chromium, `warm` (e.g.
 * loading models), then the dashboard open in a page, handed to `ready` (awaited: more set-up
 * goes there, as node:test starts a file's top-level `before` hooks without waiting for the
 * one before); both ended after.
 */
export function dashboardSuite(ready: (dashboard: Dashboard) => unknown, warm?: (server: TestServer) => Promise<unknown>, options: SuiteOptions = {}): void {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  before(async () => {
    [server, browser] = await Promise.all([startServer(options.server), launchChromium(options.chromiumArgs)]);
    await warm?.(server);
    const dash = await openDashboard(browser, server.url);
    await ready({ server, browser, dash, page: dash.page });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
}
