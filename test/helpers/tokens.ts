import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./server.js";

/** `outpost tokens …` as an operator runs it, against a data dir; returns stdout, asserting success. */
export function tokensCli(dataDir: string, args: string[]): string {
  const run = spawnSync(process.execPath, [join(REPO_ROOT, "bin/outpost.js"), "tokens", ...args, "--data-dir", dataDir], { encoding: "utf8", timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim();
}

/** Creates a token with `outpost tokens create` and returns its secret (the one line on stdout). */
export function createToken(dataDir: string, account: string, scope: "read" | "run" | "admin", ...more: string[]): string {
  return tokensCli(dataDir, ["create", "--account", account, "--scope", scope, ...more]);
}
