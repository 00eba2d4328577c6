import assert from "node:assert/strict";
import { test } from "node:test";
import { requiredScope, Sessions, SESSION_TTL_MS } from "./auth.js";
import { FailureLimiter } from "./failure-limiter.js";

test("each route needs the scope its effect calls for", () => {
  assert.equal(requiredScope("GET", "/healthz"), undefined);
  assert.equal(requiredScope("GET", "/"), undefined);
  assert.equal(requiredScope("POST", "/api/session"), undefined);
  assert.equal(requiredScope("GET", "/metrics"), "read");
  assert.equal(requiredScope("GET", "/api/models"), "read");
  assert.equal(requiredScope("POST", "/ai/run/@cf/x/y"), "run");
  assert.equal(requiredScope("POST", "/v1/chat/completions"), "run");
  assert.equal(requiredScope("POST", "/api/pull"), "admin");
  assert.equal(requiredScope("GET", "/api/pulls"), "admin");
  assert.equal(requiredScope("DELETE", "/api/models/@cf/x/y"), "admin");
  assert.equal(requiredScope("GET", "/api/tokens"), "admin");
  // Device names and VRAM describe the host: for admins only.
  assert.equal(requiredScope("GET", "/api/system"), "admin");
});

test("failures per source: a burst, then one try per refill, other sources unaffected", () => {
  let now = 0;
  const limiter = new FailureLimiter(() => now);
  for (let i = 0; i < 20; i++) {
    assert.equal(limiter.blockedForS("a"), undefined);
    limiter.fail("a");
  }
  assert.equal(limiter.blockedForS("a"), 3);
  assert.equal(limiter.blockedForS("b"), undefined);
  now += 3_000;
  assert.equal(limiter.blockedForS("a"), undefined);
});

test("sessions expire", () => {
  const sessions = new Sessions();
  const id = sessions.open("tok_1", 0);
  assert.equal(sessions.tokenId(id, SESSION_TTL_MS - 1), "tok_1");
  assert.equal(sessions.tokenId(id, SESSION_TTL_MS), undefined);
  sessions.close(id);
  assert.equal(sessions.tokenId(id, 0), undefined);
});
