import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Cloudflare from "cloudflare";
import OpenAI from "openai";
import { createRemoteAi, InferenceUpstreamError } from "../../src/binding/index.js";
import { envelopeError } from "../helpers/http.js";
import { postJson, startServer, STORIES, STORIES_EMBEDDINGS, type TestServer } from "../helpers/server.js";
import { createToken, tokensCli } from "../helpers/tokens.js";

const INPUTS = { prompt: "Once upon a time", max_tokens: 4, seed: 1 };

describe("tokens on every surface", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "outpost-auth-"));
  let server: TestServer;
  let admin: string;
  let run: string;
  let read: string;
  let embedOnly: string;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  before(async () => {
    admin = createToken(dataDir, "acme", "admin", "--name", "ops");
    run = createToken(dataDir, "acme", "run");
    read = createToken(dataDir, "acme", "read");
    embedOnly = createToken(dataDir, "acme", "run", "--models", "*-embeddings");
    server = await startServer({ "data-dir": dataDir });
  });
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("a token is printed once, recognisable and high-entropy; the list shows no secret", () => {
    assert.match(run, /^opk_[A-Za-z0-9_-]{43}$/);
    const list = JSON.parse(tokensCli(dataDir, ["list", "--json"])) as { id: string; account: string; scope: string; name: string }[];
    assert.equal(list.length >= 4, true);
    assert.deepEqual(list.map((t) => t.scope).sort(), ["admin", "read", "run", "run"]);
    assert.equal(list.find((t) => t.scope === "admin")?.name, "ops");
    assert.doesNotMatch(JSON.stringify(list), /opk_/);
  });

  test("REST without a token: 401, code 10000, Authentication error; with one: the answer", async () => {
    const url = `${server.url}/client/v4/accounts/acme/ai/run/${STORIES}`;
    assert.match(await envelopeError(await postJson(url, INPUTS), 401, 10000), /^Authentication error/);
    assert.match(await envelopeError(await postJson(url, INPUTS, bearer("opk_" + "x".repeat(43))), 401, 10000), /^Authentication error$/);
    assert.match(await envelopeError(await postJson(url, INPUTS, { authorization: "Basic abc" }), 401, 10000), /^Authentication error$/);
    const ok = await postJson(url, INPUTS, bearer(run));
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.equal(typeof ((await ok.json()) as { result: { response: string } }).result.response, "string");
  });

  test("the account in the path must be the token's; the scope must cover the route", async () => {
    assert.match(await envelopeError(await postJson(`${server.url}/client/v4/accounts/globex/ai/run/${STORIES}`, INPUTS, bearer(run)), 403, 10000), /account/);
    assert.match(await envelopeError(await postJson(`${server.url}/ai/run/${STORIES}`, INPUTS, bearer(read)), 403, 10000), /scope is read/);
    assert.equal((await fetch(`${server.url}/ai/models/search`, { headers: bearer(read) })).status, 200);
    assert.match(await envelopeError(await postJson(`${server.url}/api/pull`, { model: STORIES }, bearer(run)), 403, 10000), /needs admin/);
    assert.match(await envelopeError(await fetch(`${server.url}/api/models/${STORIES}`, { method: "DELETE", headers: bearer(run) }), 403, 10000), /needs admin/);
  });

  test("/api/tokens: admins create (the secret once), list and revoke; others get 403", async () => {
    assert.equal((await fetch(`${server.url}/api/tokens`, { headers: bearer(run) })).status, 403);
    const created = await postJson(`${server.url}/api/tokens`, { account: "acme", scope: "read", name: "api" }, bearer(admin));
    assert.equal(created.status, 201);
    const { token, info } = ((await created.json()) as { result: { token: string; info: { id: string } } }).result;
    assert.equal((await fetch(`${server.url}/ai/models/search`, { headers: bearer(token) })).status, 200);
    const listed = await (await fetch(`${server.url}/api/tokens`, { headers: bearer(admin) })).text();
    assert.ok(listed.includes(info.id) && !listed.includes(token));
    assert.equal((await fetch(`${server.url}/api/tokens/${info.id}`, { method: "DELETE", headers: bearer(admin) })).status, 200);
    assert.equal((await fetch(`${server.url}/ai/models/search`, { headers: bearer(token) })).status, 401);
  });

  test("a token limited to models by glob runs those and no other", async () => {
    assert.equal((await postJson(`${server.url}/ai/run/${STORIES_EMBEDDINGS}`, { text: ["a"] }, bearer(embedOnly))).status, 200);
    assert.match(await envelopeError(await postJson(`${server.url}/ai/run/${STORIES}`, INPUTS, bearer(embedOnly)), 403, 10000), /may not run/);
  });

  test("/metrics needs read scope; /api/models shows file paths to admins only", async () => {
    assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
    assert.equal((await fetch(`${server.url}/metrics`, { headers: bearer(read) })).status, 200);
    const forReader = JSON.stringify(await (await fetch(`${server.url}/api/models`, { headers: bearer(read) })).json());
    const forAdmin = JSON.stringify(await (await fetch(`${server.url}/api/models`, { headers: bearer(admin) })).json());
    assert.match(forAdmin, /"path":"\//);
    assert.doesNotMatch(forReader, /"path"|\/shared\/models/);
  });

  test("OpenAI SDK: apiKey is the token; without it AuthenticationError", async () => {
    const good = new OpenAI({ apiKey: run, baseURL: `${server.url}/v1`, maxRetries: 0 });
    const chat = await good.chat.completions.create({ model: STORIES, messages: [{ role: "user", content: "Once" }], max_tokens: 4 });
    assert.equal(chat.object, "chat.completion");
    const bad = new OpenAI({ apiKey: "sk-wrong", baseURL: `${server.url}/client/v4/accounts/acme/ai/v1`, maxRetries: 0 });
    await assert.rejects(bad.chat.completions.create({ model: STORIES, messages: [{ role: "user", content: "Once" }] }), (error: unknown) => error instanceof OpenAI.AuthenticationError && error.status === 401);
  });

  test("cloudflare SDK: apiToken is the token; a wrong account is 403", async () => {
    const client = new Cloudflare({ apiToken: run, baseURL: `${server.url}/client/v4`, maxRetries: 0 });
    const result = (await client.ai.run(STORIES, { account_id: "acme", prompt: "Once", max_tokens: 4 })) as { response: string };
    assert.equal(typeof result.response, "string");
    await assert.rejects(client.ai.run(STORIES, { account_id: "globex", prompt: "Once" }), (error: unknown) => error instanceof Cloudflare.PermissionDeniedError);
    const anonymous = new Cloudflare({ apiToken: "nope", baseURL: `${server.url}/client/v4`, maxRetries: 0 });
    await assert.rejects(anonymous.ai.run(STORIES, { account_id: "acme", prompt: "Once" }), (error: unknown) => error instanceof Cloudflare.AuthenticationError);
  });

  test("the remote binding sends its token over the proxy route; without it the binding throws 10000", async () => {
    const ai = createRemoteAi(server.url, { accountId: "acme", token: run });
    const result = (await ai.run(STORIES, INPUTS)) as { response: string };
    assert.equal(typeof result.response, "string");
    await assert.rejects(createRemoteAi(server.url, { accountId: "acme" }).run(STORIES, INPUTS), (error: unknown) => error instanceof InferenceUpstreamError && /^10000: Authentication error/.test(error.message));
  });

  test("the dashboard signs in with a token into an HttpOnly, SameSite=Strict cookie, not the token", async () => {
    const state = (await (await fetch(`${server.url}/api/session`)).json()) as { result: { required: boolean; signedIn: boolean } };
    assert.deepEqual(state.result, { required: true, signedIn: false });
    assert.equal((await postJson(`${server.url}/api/session`, { token: "opk_wrong" })).status, 401);
    const signIn = await postJson(`${server.url}/api/session`, { token: read });
    assert.equal(signIn.status, 200);
    const cookie = signIn.headers.get("set-cookie") ?? "";
    assert.match(cookie, /^outpost_session=[A-Za-z0-9_-]{43};/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.ok(!cookie.includes(read));
    const session = cookie.split(";")[0] as string;
    assert.equal((await fetch(`${server.url}/api/models`, { headers: { cookie: session } })).status, 200);
    const who = (await (await fetch(`${server.url}/api/session`, { headers: { cookie: session } })).json()) as { result: unknown };
    assert.deepEqual(who.result, { required: true, signedIn: true, account: "acme", scope: "read" });
  });

  test("a token in the query string is refused, even a valid one", async () => {
    assert.match(await envelopeError(await fetch(`${server.url}/ai/models/search?token=${read}`), 401, 10000), /query string/);
    assert.match(await envelopeError(await fetch(`${server.url}/ai/models/search?x=${read}`, { headers: bearer(read) }), 401, 10000), /query string/);
  });

  test("a token made while the server runs works at once; a revoked one stops at once", async () => {
    const fresh = createToken(dataDir, "acme", "read");
    assert.equal((await fetch(`${server.url}/ai/models/search`, { headers: bearer(fresh) })).status, 200);
    const id = (JSON.parse(tokensCli(dataDir, ["list", "--json"])) as { id: string }[]).at(-1)?.id as string;
    assert.equal(tokensCli(dataDir, ["revoke", id]), `Revoked ${id}`);
    assert.equal((await fetch(`${server.url}/ai/models/search`, { headers: bearer(fresh) })).status, 401);
  });

  test("no token appears in the server's output", () => {
    for (const token of [admin, run, read, embedOnly]) assert.ok(!server.output().includes(token));
  });

  // Last: it locks this source out for a while.
  test("a flood of wrong tokens from one source is refused with 429 and Retry-After, without checking them", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await fetch(`${server.url}/ai/models/search`, { headers: bearer(`opk_${String(i).padStart(43, "0")}`) })).status);
    // Earlier tests spent some of the 20 tries: a run of 401s, then only 429s.
    const firstRefusal = statuses.indexOf(429);
    assert.ok(firstRefusal > 0 && firstRefusal <= 20, statuses.join(","));
    assert.deepEqual(statuses.slice(firstRefusal), Array(40 - firstRefusal).fill(429));
    assert.deepEqual(statuses.slice(0, firstRefusal), Array(firstRefusal).fill(401));
    const locked = await fetch(`${server.url}/ai/models/search`, { headers: bearer(read) });
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers.get("retry-after")) >= 1);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  });
});

describe("exposure with a token", () => {
  test("a non-loopback --host starts once a token exists", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "outpost-auth-"));
    createToken(dataDir, "acme", "admin");
    const server = await startServer({ "data-dir": dataDir, host: "0.0.0.0" });
    try {
      assert.equal((await fetch(`${server.url.replace("0.0.0.0", "127.0.0.1")}/ai/models/search`)).status, 401);
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
