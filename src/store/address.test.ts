import assert from "node:assert/strict";
import { test } from "node:test";
import { isLocalAddress, isLocalHost } from "./address.js";

test("loopback, private, link-local, CGNAT and unique-local addresses are local; public ones are not", () => {
  for (const address of ["127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "::", "fd00::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1"]) {
    assert.equal(isLocalAddress(address), true, address);
  }
  for (const address of ["8.8.8.8", "172.32.0.1", "192.169.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"]) assert.equal(isLocalAddress(address), false, address);
});

test("a host is local by name, by literal or by any address it resolves to", async () => {
  const resolve = async (host: string) => ({ "cdn.example": ["8.8.8.8"], "rebind.example": ["8.8.8.8", "10.0.0.5"] })[host] ?? [host];
  assert.equal(await isLocalHost(new URL("http://localhost:8080/x"), resolve), true);
  assert.equal(await isLocalHost(new URL("http://api.localhost/x"), resolve), true);
  assert.equal(await isLocalHost(new URL("http://[::1]:9/x"), resolve), true);
  assert.equal(await isLocalHost(new URL("https://rebind.example/x"), resolve), true);
  assert.equal(await isLocalHost(new URL("https://cdn.example/x"), resolve), false);
  assert.equal(await isLocalHost(new URL("https://nowhere.example/x"), async () => Promise.reject(new Error("ENOTFOUND"))), false);
});
