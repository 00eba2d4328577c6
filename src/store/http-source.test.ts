import { test } from "node:test";
import assert from "node:assert/strict";
import { startFileServer } from "../../test/helpers/file-server.js";
import { OutpostError } from "../contract/index.js";
import { resolveHost } from "./address.js";
import { HttpSource } from "./http-source.js";
import { isTransient } from "./source.js";
import { runSourceSuite, SUITE_FILE } from "./source.case.test.js";

runSourceSuite("HttpSource", async (t) => {
  const server = await startFileServer();
  t.after(() => server.close());
  server.serve("/model.gguf", SUITE_FILE);
  return new HttpSource({ url: new URL(`${server.url}/model.gguf`) });
});

test("HttpSource: 5xx and 429 are worth retrying, 404 and 401 are not; 401 says how to authenticate", async (t) => {
  const server = await startFileServer();
  t.after(() => server.close());
  const signal = new AbortController().signal;
  for (const [status, transient] of [
    [503, true],
    [429, true],
    [404, false],
    [401, false],
  ] as const) {
    server.serve(`/${status}`, SUITE_FILE, { status });
    const error = await new HttpSource({ url: new URL(`${server.url}/${status}`) }).open(0, undefined, signal).catch((e: unknown) => e);
    assert.ok(error instanceof OutpostError && error.code === "PULL_FAILED", String(error));
    assert.equal(isTransient(error), transient, `HTTP ${status}`);
    if (status === 401) assert.match(error.message, /OUTPOST_HF_TOKEN/);
  }
  const gone = await startFileServer();
  await gone.close();
  const refused = await new HttpSource({ url: new URL(`${gone.url}/x`) }).open(0, undefined, signal).catch((e: unknown) => e);
  assert.ok(refused instanceof OutpostError && isTransient(refused), String(refused));
  assert.match(refused.message, /^cannot reach: .*ECONNREFUSED/, "the pull names the source, so its error does not");
});

test("HttpSource: a public source cannot redirect a pull onto a loopback or private address; a local one can", async (t) => {
  const origin = await startFileServer();
  const local = await startFileServer();
  t.after(() => Promise.all([origin.close(), local.close()]));
  local.serve("/model.gguf", SUITE_FILE);
  origin.redirect("/model.gguf", `http://localhost:${new URL(local.url).port}/model.gguf`);
  const url = new URL(`${origin.url}/model.gguf`);
  const signal = new AbortController().signal;
  // DNS is faked only so the first server counts as a public host: nothing public is reachable here.
  const publicOrigin = async (host: string) => (host === url.hostname ? ["203.0.113.7"] : resolveHost(host));
  const error = await new HttpSource({ url, resolveHost: publicOrigin }).open(0, undefined, signal).catch((e: unknown) => e);
  assert.ok(error instanceof OutpostError && error.code === "PULL_FAILED" && !isTransient(error), String(error));
  assert.match(error.message, /redirected to http:\/\/localhost:\d+\/model\.gguf, a loopback or private address/);
  assert.equal(local.requests.length, 0, "nothing was fetched from the local service");

  const opened = await new HttpSource({ url }).open(0, undefined, signal);
  await opened.cancel();
  assert.equal(local.requests.length, 1, "a loopback source may redirect to loopback");
});
