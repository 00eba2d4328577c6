import assert from "node:assert/strict";
import { hostname } from "node:os";
import { test } from "node:test";
import { Hono } from "hono";
import { errorResponse } from "./errors.js";
import { cors, crossSiteGuard, hostAllowed, hostGuard, type GuardSettings } from "./guards.js";

const settings: GuardSettings = { listenHost: "0.0.0.0", allowedHosts: ["outpost.internal", ".lab.example"], corsOrigins: ["https://app.example.com"] };

function app(overrides: Partial<GuardSettings> = {}): Hono {
  const s = { ...settings, ...overrides };
  const app = new Hono();
  app.use("*", hostGuard(s), cors(s), crossSiteGuard(s));
  app.get("/api/models", (c) => c.json({ ok: true }));
  app.post("/api/pull", (c) => c.json({ pulled: true }));
  app.post("/ai/run/x", (c) => c.json({ ran: true }));
  app.onError((error, c) => errorResponse(c.req.path, error));
  return app;
}

const request = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) => app().request(`http://127.0.0.1:8787${path}`, init);

test("Host: loopback names, IP literals, this machine's name and the allowed list pass; other names do not", () => {
  for (const host of ["127.0.0.1:8787", "localhost:8787", "app.localhost", "[::1]:8787", "192.168.1.5:8787", "outpost.internal", "a.lab.example", "lab.example", `${hostname()}:8787`, "LOCALHOST."]) {
    assert.equal(hostAllowed(host, settings), true, host);
  }
  for (const host of ["evil.com", "evil.com:8787", "outpost.internal.evil.com", "xlab.example", "localhost.evil.com"]) assert.equal(hostAllowed(host, settings), false, host);
});

test("a rebound Host header gets 403 in the envelope, on GET too", async () => {
  const res = await request("/api/models", { headers: { host: "attacker.example:8787" } });
  assert.equal(res.status, 403);
  const body = (await res.json()) as { success: boolean; errors: { code: number; message: string }[] };
  assert.equal(body.success, false);
  assert.equal(body.errors[0]?.code, 10000);
  assert.match(body.errors[0]?.message ?? "", /Host 'attacker\.example:8787' is not a name of this server.*OUTPOST_ALLOWED_HOSTS/);
});

test("a cross-site POST is refused before the route runs; same-origin and non-browser POSTs pass", async () => {
  const json = { "content-type": "application/json" };
  assert.equal((await request("/api/pull", { method: "POST", headers: { ...json, origin: "https://evil.example" } })).status, 403);
  assert.equal((await request("/ai/run/x", { method: "POST", headers: { ...json, origin: "null" } })).status, 403);
  assert.equal((await request("/ai/run/x", { method: "POST", headers: { ...json, "sec-fetch-site": "cross-site" } })).status, 403);
  assert.equal((await request("/ai/run/x", { method: "POST", headers: { ...json, "sec-fetch-site": "same-site" } })).status, 403);
  assert.equal((await request("/api/pull", { method: "POST", headers: { ...json, origin: "http://127.0.0.1:8787", "sec-fetch-site": "same-origin" } })).status, 200);
  assert.equal((await request("/api/pull", { method: "POST", headers: json })).status, 200);
  assert.equal((await request("/api/pull", { method: "POST", headers: { ...json, origin: "https://app.example.com", "sec-fetch-site": "cross-site" } })).status, 200);
});

test("JSON sent as a simple content type is refused on /api, whatever the headers say", async () => {
  for (const type of ["text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
    const res = await request("/api/pull", { method: "POST", headers: { "content-type": type }, body: '{"model":"x"}' });
    assert.equal(res.status, 403, type);
    assert.match(JSON.stringify(await res.json()), /send JSON as application\/json/);
  }
});

test("CORS: none by default, exact configured origins only", async () => {
  const preflight = (origin: string) => request("/api/pull", { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
  const refused = await preflight("https://evil.example");
  assert.equal(refused.status, 403);
  assert.equal(refused.headers.get("access-control-allow-origin"), null);
  const allowed = await preflight("https://app.example.com");
  assert.equal(allowed.status, 204);
  assert.equal(allowed.headers.get("access-control-allow-origin"), "https://app.example.com");
  assert.match(allowed.headers.get("access-control-allow-headers") ?? "", /authorization/);
  const read = await request("/api/models", { headers: { origin: "https://evil.example" } });
  assert.equal(read.status, 200);
  assert.equal(read.headers.get("access-control-allow-origin"), null);
  assert.equal((await request("/api/models", { headers: { origin: "https://app.example.com" } })).headers.get("access-control-allow-origin"), "https://app.example.com");
});

test("guard refusals speak each surface's error format", async () => {
  const openai = await app().request("http://evil.example/v1/chat/completions", { method: "POST" });
  assert.equal(openai.status, 403);
  assert.equal(((await openai.json()) as { error: { code: string } }).error.code, "forbidden");
  const proxy = await app().request("http://evil.example/client/v4/accounts/local/ai/run/proxy", { method: "POST" });
  assert.equal(((await proxy.json()) as { internalCode: number }).internalCode, 10000);
});
