import assert from "node:assert/strict";
import { test } from "node:test";
import { formatBytes, formatMs, formatNumber } from "./format.js";

test("milliseconds read as ms under a second, seconds above", () => {
  assert.equal(formatMs(0.25), "0.25 ms");
  assert.equal(formatMs(45.4), "45 ms");
  assert.equal(formatMs(1250), "1.25 s");
  assert.equal(formatMs(12_345), "12.3 s");
});

test("numbers keep three significant figures without exponents", () => {
  assert.equal(formatNumber(1234.5), "1235");
  assert.equal(formatNumber(12.345), "12.3");
  assert.equal(formatNumber(0.000123456), "0.000123");
  assert.equal(formatNumber(Number.NaN), "–");
});

test("bytes use binary units", () => {
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(1_185_376), "1.13 MiB");
  assert.equal(formatBytes(3 * 1024 ** 3), "3 GiB");
});
