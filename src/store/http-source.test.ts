import { test } from "node:test";
import assert from "node:assert/strict";
import { startFileServer } from "../../test/helpers/file-server.js";
import { OutpostError } from "../contract/index.js";
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
  assert.match(refused.message, /cannot reach http:\/\/127\.0\.0\.1:\d+\/x: .*ECONNREFUSED/);
});
