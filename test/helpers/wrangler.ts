import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, type TestServer } from "./server.js";

/** The pinned wranglers: 4.35 is the last with the `[ai]` proxy, 4.60 runs the outpost-ai shim. */
export const WRANGLER_PROXY = { bin: join(REPO_ROOT, "node_modules/wrangler-4-35/bin/wrangler.js"), version: "4.35.0" };
export const WRANGLER_SHIM = { bin: join(REPO_ROOT, "node_modules/wrangler/bin/wrangler.js"), version: "4.60.0" };
export type Wrangler = typeof WRANGLER_SHIM;

/**
 * The environment that points wrangler <= 4.35's `[ai]` proxy at an Outpost: its Cloudflare API
 * base URL, and a token and account id, which must be set or wrangler asks for a login.
 */
export function proxyEnv(outpostUrl: string, token = "unused", account = "local"): NodeJS.ProcessEnv {
  return { CLOUDFLARE_API_BASE_URL: `${outpostUrl}/client/v4`, CLOUDFLARE_API_TOKEN: token, CLOUDFLARE_ACCOUNT_ID: account };
}

export interface WranglerDev {
  url: string;
  /** Non-loopback connections wrangler tried (and was refused), one `host:port` each. */
  networkAttempts(): string[];
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * Starts `wrangler dev` on a free loopback port, offline: its own HOME (so no saved login is
 * found), metrics and banner update check off, the Request.cf object and update-check cache
 * seeded, and the offline guard refusing anything beyond loopback. wrangler and its workerd
 * children run in their own process group, which stop() ends as a whole.
 */
export async function startWrangler(wrangler: Wrangler, args: string[], env: NodeJS.ProcessEnv = {}): Promise<WranglerDev> {
  const sandbox = mkdtempSync(join(tmpdir(), "outpost-wrangler-"));
  for (const dir of ["home", "tmp/update-check", "registry", "node_modules/.mf"]) mkdirSync(join(sandbox, dir), { recursive: true });
  // miniflare reads ./node_modules/.mf/cf.json before fetching it; update-check reads its cache first.
  writeFileSync(join(sandbox, "node_modules/.mf/cf.json"), JSON.stringify({ colo: "LCL", country: "XX", asn: 0 }));
  writeFileSync(join(sandbox, "tmp/update-check/wrangler-latest.json"), JSON.stringify({ latest: wrangler.version, lastUpdate: Date.now() }));
  const offlineLog = join(sandbox, "offline.log");
  writeFileSync(offlineLog, "");

  const child = spawn(process.execPath, [wrangler.bin, "dev", ...args, "--ip", "127.0.0.1", "--port", "0", "--inspector-port", "0", "--persist-to", join(sandbox, "state")], {
    cwd: sandbox,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      HOME: join(sandbox, "home"),
      XDG_CONFIG_HOME: join(sandbox, "home/.config"),
      TMPDIR: join(sandbox, "tmp"),
      WRANGLER_REGISTRY_PATH: join(sandbox, "registry"),
      WRANGLER_SEND_METRICS: "false",
      WRANGLER_HIDE_BANNER: "true",
      NODE_OPTIONS: `--import=${join(REPO_ROOT, "test/helpers/offline-guard.mjs")}`,
      OUTPOST_OFFLINE_LOG: offlineLog,
      ...env,
    },
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const pid = child.pid as number;

  let attempts: string[] = [];
  const readAttempts = () => (existsSync(offlineLog) ? (attempts = readFileSync(offlineLog, "utf8").split("\n").filter(Boolean)) : attempts);
  const stop = async () => {
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      if (!groupAlive(pid)) break;
      process.kill(-pid, signal);
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    }
    readAttempts();
    rmSync(sandbox, { recursive: true, force: true });
  };

  try {
    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`wrangler dev was not ready after ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS);
      const check = () => {
        const match = /Ready on (http:\/\/\S+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolveUrl(match[1]);
        }
      };
      child.stdout.on("data", check);
      child.stderr.on("data", check);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`wrangler dev exited with ${code}:\n${output}`));
      });
    });
    return {
      url,
      networkAttempts: readAttempts,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** `outpost workers init <dir>` as a user runs it, pointed at the test's Outpost; returns what it printed. */
export function workersInit(dir: string, outpost: TestServer, extra: string[] = []): string {
  const port = new URL(outpost.url).port;
  const init = spawnSync(process.execPath, [join(REPO_ROOT, "bin/outpost.js"), "workers", "init", dir, "--port", port, ...extra], { encoding: "utf8", timeout: 30_000 });
  assert.equal(init.status, 0, init.stderr);
  return init.stdout;
}

/** Whether any process of the group is still alive (signal 0 only checks). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
