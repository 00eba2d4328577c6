import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { metric } from "../helpers/metrics.js";
import { postJson, REPO_ROOT, startServer, STORIES, type TestServer } from "../helpers/server.js";
import { proxyEnv, startWrangler, workersInit, WRANGLER_PROXY, WRANGLER_SHIM, type WranglerDev } from "../helpers/wrangler.js";

const APP = join(REPO_ROOT, "test/workers/aliases");
/** The real Workers AI id the app names (aliases/index.js), and what it is aliased to. */
const LLAMA = "@cf/meta/llama-2-7b-chat-int8";
const ALIAS = `${LLAMA}=${STORIES}`;
const INPUTS = { prompt: "Once upon a time", max_tokens: 8, seed: 7 };

interface Item {
  name: string;
  properties: { property_id: string; value: unknown }[];
}

/** What the app gets for a real id through an alias: the tiny model's answer, and marks saying so. */
function aliasSuite(outpost: () => TestServer, worker: () => WranglerDev, serverLogs: boolean): void {
  test("env.AI.run with the real id answers with the aliased model's output", async () => {
    const res = await fetch(`${worker().url}/json`);
    assert.equal(res.status, 200, await res.clone().text());
    const direct = (await (await postJson(`${outpost().url}/ai/run/${STORIES}`, INPUTS)).json()) as { result: unknown };
    assert.deepEqual(await res.json(), direct.result);
  });

  test("a stream under the real id is the aliased model's stream, byte for byte", async () => {
    const body = await (await fetch(`${worker().url}/stream`)).text();
    const direct = await (await postJson(`${outpost().url}/ai/run/${STORIES}`, { ...INPUTS, stream: true })).text();
    assert.equal(body, direct);
    assert.ok(body.endsWith("data: [DONE]\n\n"));
  });

  test("the raw response names the model that really served in x-outpost-model", async () => {
    const res = await fetch(`${worker().url}/raw`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-served-by"), STORIES);
  });

  test("env.AI.models() marks the aliased id with the model that serves it", async () => {
    const items = (await (await fetch(`${worker().url}/models`)).json()) as Item[];
    assert.deepEqual(
      items.map((m) => [m.name, m.properties.find((p) => p.property_id === "outpost_model")?.value]),
      [[LLAMA, STORIES]],
    );
  });

  if (serverLogs) {
    test("the request log and the metrics record the id asked for and the model that served", async () => {
      const log = (await (await fetch(`${outpost().url}/api/requests?model=${encodeURIComponent(LLAMA)}`)).json()) as { result: { model: string; servedModel?: string; status: number }[] };
      assert.ok(log.result.length >= 3, JSON.stringify(log));
      for (const row of log.result) assert.deepEqual([row.model, row.servedModel, row.status], [LLAMA, STORIES, 200]);
      assert.ok((await metric(outpost().url, "outpost_alias_requests_total", { model: LLAMA, served_model: STORIES })) >= 3);
      assert.ok((await metric(outpost().url, "outpost_requests_total", { model: LLAMA, status: "200" })) >= 3);
    });
  }
}

describe("a Worker naming real Workers AI ids, on Outpost started with --alias", () => {
  let outpost: TestServer;
  before(async () => {
    outpost = await startServer({ alias: ALIAS });
  });
  after(async () => {
    await outpost?.stop();
  });

  test("the REST API answers the real id with the alias's output and x-outpost-model", async () => {
    const res = await postJson(`${outpost.url}/ai/run/${LLAMA}`, INPUTS);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-outpost-model"), STORIES);
    const direct = await postJson(`${outpost.url}/ai/run/${STORIES}`, INPUTS);
    assert.equal(direct.headers.get("x-outpost-model"), STORIES);
    assert.deepEqual(await res.json(), await direct.json());
    const chat = await postJson(`${outpost.url}/v1/chat/completions`, { model: LLAMA, messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 4 });
    assert.equal(chat.status, 200);
    assert.equal(chat.headers.get("x-outpost-model"), STORIES);
  });

  describe(`wrangler ${WRANGLER_PROXY.version}'s [ai] proxy`, () => {
    let dev: WranglerDev;
    before(async () => {
      dev = await startWrangler(WRANGLER_PROXY, ["-c", join(APP, "wrangler.toml")], proxyEnv(outpost.url));
    });
    after(async () => {
      await dev?.stop();
    });
    aliasSuite(() => outpost, () => dev, false);
  });

  describe(`the outpost-ai Worker on wrangler ${WRANGLER_SHIM.version}`, () => {
    let dev: WranglerDev;
    let project: string;
    before(async () => {
      project = mkdtempSync(join(tmpdir(), "outpost-aliases-"));
      workersInit(project, outpost);
      dev = await startWrangler(WRANGLER_SHIM, ["-c", join(APP, "wrangler.outpost.toml"), "-c", join(project, "outpost-ai/wrangler.toml")]);
    });
    after(async () => {
      await dev?.stop();
      if (project) rmSync(project, { recursive: true, force: true });
    });
    aliasSuite(() => outpost, () => dev, true);
  });
});

describe("per-Worker aliases: outpost workers init --alias, on an Outpost with none", () => {
  let outpost: TestServer;
  let dev: WranglerDev;
  let project: string;
  let printed: string;
  before(async () => {
    outpost = await startServer();
    project = mkdtempSync(join(tmpdir(), "outpost-aliases-init-"));
    printed = workersInit(project, outpost, ["--alias", ALIAS]);
    dev = await startWrangler(WRANGLER_SHIM, ["-c", join(APP, "wrangler.outpost.toml"), "-c", join(project, "outpost-ai/wrangler.toml")]);
  });
  after(async () => {
    await dev?.stop();
    await outpost?.stop();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  test("init writes the aliases into the Worker's vars and says so", () => {
    assert.match(readFileSync(join(project, "outpost-ai/wrangler.toml"), "utf8"), new RegExp(`^OUTPOST_ALIASES = "${ALIAS}"$`, "m"));
    assert.ok(printed.includes(`${LLAMA} -> ${STORIES}`), printed);
  });

  test("the real id is not served by Outpost itself", async () => {
    const res = await postJson(`${outpost.url}/ai/run/${LLAMA}`, INPUTS);
    assert.notEqual(res.status, 200);
  });

  aliasSuite(() => outpost, () => dev, false);
});
