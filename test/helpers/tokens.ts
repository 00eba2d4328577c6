import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
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

/**
 * `outpost tokens list --json`, without blocking the event loop: for polling. A test process
 * blocked for seconds cannot see a server close its idle keep-alive socket (Node closes them
 * after 5 s), so its next fetch reuses the dead socket and fails with "other side closed".
 */
export async function listTokens(dataDir: string): Promise<{ id: string; account: string }[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, "bin/outpost.js"), "tokens", "list", "--json", "--data-dir", dataDir], { encoding: "utf8", timeout: 30_000 });
  return JSON.parse(stdout) as { id: string; account: string }[];
}
