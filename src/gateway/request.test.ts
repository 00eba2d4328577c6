import assert from "node:assert/strict";
import { test } from "node:test";
import { gatewayFromHeaders, gatewayFromOption } from "./request.js";

const headers = (h: Record<string, string>) => (name: string) => h[name];

test("the binding's gateway option is read as AI Gateway documents it", () => {
  assert.deepEqual(gatewayFromOption({ id: "gw", skipCache: false, cacheTtl: 3600, cacheKey: "k", metadata: { user: 1, team: "ai", test: true }, collectLog: false, eventId: "e", requestTimeoutMs: 500, retries: { maxAttempts: 3 } }), {
    id: "gw", skipCache: false, cacheTtlS: 3600, cacheKey: "k", metadata: { user: 1, team: "ai", test: true }, collectLog: false, eventId: "e", requestTimeoutMs: 500, retries: { maxAttempts: 3, retryDelayMs: 0, backoff: "constant" },
  });
  // Only the first five metadata entries are kept, as AI Gateway keeps them.
  assert.deepEqual(Object.keys(gatewayFromOption({ id: "gw", metadata: { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 } }).metadata ?? {}), ["a", "b", "c", "d", "e"]);
});

test("malformed gateway options and cf-aig-* headers are INPUT_INVALID naming the field", () => {
  const bad: [unknown, RegExp][] = [
    ["gw", /'\/options\/gateway': expected an object/],
    [{}, /'\/options\/gateway\/id'/],
    [{ id: "a b" }, /'\/options\/gateway\/id'/],
    [{ id: "gw", cacheTtl: 0 }, /cacheTtl': expected an integer from 60 to 2592000/],
    [{ id: "gw", cacheTtl: -5 }, /cacheTtl'/],
    [{ id: "gw", cacheTtl: 1e12 }, /cacheTtl'/],
    [{ id: "gw", skipCache: "yes" }, /skipCache': expected true or false/],
    [{ id: "gw", metadata: { nested: { a: 1 } } }, /objects are not supported/],
    [{ id: "gw", retries: { maxAttempts: 9 } }, /maxAttempts'/],
    [{ id: "gw", retries: { backoff: "random" } }, /backoff'/],
  ];
  for (const [raw, message] of bad) assert.throws(() => gatewayFromOption(raw), (error: Error & { code?: string }) => error.code === "INPUT_INVALID" && message.test(error.message), JSON.stringify(raw));
  const badHeaders: [Record<string, string>, RegExp][] = [
    [{ "cf-aig-cache-ttl": "0" }, /header 'cf-aig-cache-ttl'/],
    [{ "cf-aig-cache-ttl": "-60" }, /header 'cf-aig-cache-ttl'/],
    [{ "cf-aig-cache-ttl": "99999999999999999999" }, /header 'cf-aig-cache-ttl'/],
    [{ "cf-aig-cache-ttl": "1h" }, /header 'cf-aig-cache-ttl'/],
    [{ "cf-aig-skip-cache": "1" }, /header 'cf-aig-skip-cache': expected true or false/],
    [{ "cf-aig-metadata": "{user" }, /header 'cf-aig-metadata': expected a JSON object/],
    [{ "cf-aig-metadata": "[1]" }, /header 'cf-aig-metadata'/],
    [{ "cf-aig-cache-key": "" }, /header 'cf-aig-cache-key'/],
    [{ "cf-aig-max-attempts": "6" }, /header 'cf-aig-max-attempts'/],
  ];
  for (const [h, message] of badHeaders) assert.throws(() => gatewayFromHeaders("gw", headers(h)), (error: Error & { code?: string }) => error.code === "INPUT_INVALID" && message.test(error.message), JSON.stringify(h));
});

test("the cf-aig-* headers, and the older cf-cache-ttl / cf-skip-cache names", () => {
  assert.deepEqual(gatewayFromHeaders("gw", headers({ "cf-aig-cache-ttl": "120", "cf-aig-skip-cache": "true", "cf-aig-cache-key": "k", "cf-aig-metadata": '{"team":"AI","user":12345,"test":true}' })), {
    id: "gw", skipCache: true, cacheTtlS: 120, cacheKey: "k", metadata: { team: "AI", user: 12345, test: true },
  });
  assert.deepEqual(gatewayFromHeaders("gw", headers({ "cf-cache-ttl": "60", "cf-skip-cache": "false" })), { id: "gw", skipCache: false, cacheTtlS: 60 });
});
