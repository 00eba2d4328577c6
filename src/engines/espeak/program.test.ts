import assert from "node:assert/strict";
import { test } from "node:test";
import { OutpostError } from "../../contract/index.js";
import { runProgram, type Program } from "./program.js";

const CAT: Program = { command: "cat", debianPackage: "coreutils" };
const SLEEP: Program = { command: "sleep", debianPackage: "coreutils" };
const base = { input: new Uint8Array(0), maxOutputBytes: 1024, timeoutMs: 10_000, signal: new AbortController().signal };
const code = (expected: string) => (error: unknown) => error instanceof OutpostError && error.code === expected;

test("stdin goes in, stdout comes back, byte for byte", async () => {
  const input = Buffer.from("a; rm -rf / `echo not a shell` $HOME\n", "utf8");
  assert.deepEqual(await runProgram(CAT, { ...base, args: [], input }), input);
});

test("output past the limit kills the program and refuses the job", async () => {
  await assert.rejects(runProgram(CAT, { ...base, args: [], input: Buffer.alloc(4096, 1) }), code("INPUT_TOO_LARGE"));
});

test("aborting kills the program at once; so does the time limit", async () => {
  const abort = new AbortController();
  const started = Date.now();
  const running = runProgram(SLEEP, { ...base, args: ["30"], signal: abort.signal });
  setTimeout(() => abort.abort(), 50);
  await assert.rejects(running, code("ABORTED"));
  await assert.rejects(runProgram(SLEEP, { ...base, args: ["30"], timeoutMs: 50 }), code("TIMEOUT"));
  assert.ok(Date.now() - started < 5_000);
});

test("a missing program names the package to install; a failing one its last stderr line", async () => {
  await assert.rejects(runProgram({ command: "outpost-no-such-program", debianPackage: "no-such-package" }, { ...base, args: [] }), (error: unknown) => {
    assert.ok(error instanceof OutpostError);
    assert.equal(error.code, "ENGINE_UNAVAILABLE");
    assert.match(error.message, /install the Debian package no-such-package/);
    return true;
  });
  await assert.rejects(runProgram(CAT, { ...base, args: ["/no/such/file"] }), /cat failed \(exit 1\): cat: \/no\/such\/file: No such file or directory/);
});
