import assert from "node:assert/strict";
import { test } from "node:test";
import { exposureRefusal, isLoopback } from "./exposure.js";

test("only loopback addresses count as loopback", () => {
  for (const host of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"]) assert.equal(isLoopback(host), true, host);
  for (const host of ["0.0.0.0", "::", "192.168.1.5", "10.0.0.1", "example.com", "127.example.com"]) assert.equal(isLoopback(host), false, host);
});

test("a non-loopback address with no token is refused, naming both ways out", () => {
  const message = exposureRefusal("0.0.0.0", false, false);
  assert.match(message ?? "", /refusing to listen on 0\.0\.0\.0 with no API token/);
  assert.match(message ?? "", /outpost tokens create --account <id> --scope admin/);
  assert.match(message ?? "", /--insecure-no-auth/);
  assert.equal(exposureRefusal("0.0.0.0", true, false), undefined);
  assert.equal(exposureRefusal("0.0.0.0", false, true), undefined);
  assert.equal(exposureRefusal("127.0.0.1", false, false), undefined);
});
