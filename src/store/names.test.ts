import { test } from "node:test";
import assert from "node:assert/strict";
import { MODELS } from "../catalog/models.js";
import { OutpostError } from "../contract/index.js";
import { checkDownloadUrl, checkFileName, checkModelName, isLoopback, parseModelSource } from "./names.js";

const invalid = (fn: () => unknown) => assert.throws(fn, (e: unknown) => e instanceof OutpostError && e.code === "INPUT_INVALID");

test("every catalog id and artifact file name is accepted", () => {
  for (const entry of MODELS) {
    assert.equal(checkModelName(entry.id), entry.id);
    // A fileName is its path in a mirror, e.g. `standins/sd-tiny` or `standins/whisper-micro.en.bin`: each segment is a name.
    if (!entry.artifact) continue;
    for (const name of entry.artifact.fileName.split("/")) assert.equal(checkFileName(name), name);
  }
  assert.equal(checkModelName("my-model"), "my-model");
  assert.equal(checkModelName("@local/team/story_v2.1"), "@local/team/story_v2.1");
});

test("hostile model names are rejected", () => {
  const hostile = [
    "",
    "..",
    ".",
    "../etc/passwd",
    "@cf/../../etc/passwd",
    "a/./b",
    "a//b",
    "/etc/passwd",
    "/abs/model",
    "a/",
    ".hidden",
    "a\\..\\b",
    "C:\\models\\x",
    "C:/x",
    "a\u0000b",
    "a\nb",
    "x".repeat(201),
    "name with spaces",
    "%2e%2e/x",
  ];
  for (const name of hostile) invalid(() => checkModelName(name));
});

test("file names must be bare", () => {
  for (const name of ["../x.gguf", "a/b.gguf", "/x.gguf", ".gguf", "..", "x\\y.gguf", ""]) invalid(() => checkFileName(name));
});

test("loopback hosts are recognised, others are not", () => {
  for (const host of ["localhost", "127.0.0.1", "127.1.2.3", "[::1]", "::1", "api.localhost"]) assert.ok(isLoopback(host), host);
  for (const host of ["example.com", "10.0.0.1", "localhost.example.com", "128.0.0.1", "[::2]"]) assert.ok(!isLoopback(host), host);
});

test("downloads are https, or http to loopback or the configured endpoint only", () => {
  assert.equal(checkDownloadUrl("https://huggingface.co/x").protocol, "https:");
  assert.equal(checkDownloadUrl("http://127.0.0.1:8080/x").hostname, "127.0.0.1");
  assert.equal(checkDownloadUrl("http://hf-proxy.internal/x", "http://hf-proxy.internal").hostname, "hf-proxy.internal");
  invalid(() => checkDownloadUrl("http://hf-proxy.internal:8080/x", "http://hf-proxy.internal"));
  for (const url of ["http://example.com/x.gguf", "ftp://example.com/x.gguf", "file:///etc/passwd", "data:text/plain,hi", "javascript:alert(1)", "gopher://x", "not a url"]) {
    invalid(() => checkDownloadUrl(url));
  }
});

test("a custom model source is a path, a file: URL, or an allowed URL", () => {
  assert.deepEqual(parseModelSource("models/x.gguf", "/home/me"), { kind: "file", path: "/home/me/models/x.gguf" });
  assert.deepEqual(parseModelSource("/srv/x.gguf", "/home/me"), { kind: "file", path: "/srv/x.gguf" });
  assert.deepEqual(parseModelSource("file:///srv/x.gguf", "/home/me"), { kind: "file", path: "/srv/x.gguf" });
  const url = parseModelSource("https://example.com/m/x.gguf?download=1", "/");
  assert.equal(url.kind === "url" && url.url.href, "https://example.com/m/x.gguf?download=1");
  for (const raw of ["ftp://example.com/x.gguf", "http://example.com/x.gguf", "data:,x", "ssh://host/x", "file://remote-host/x.gguf"]) {
    invalid(() => parseModelSource(raw, "/"));
  }
});
