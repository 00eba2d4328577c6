import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The real tiny models: ../shared/models beside the repo, unless OUTPOST_MODEL_MIRROR says otherwise. */
export const MODEL_MIRROR = process.env.OUTPOST_MODEL_MIRROR || resolve(REPO_ROOT, "../shared/models");

export const STORIES = "@cf/karpathy/tinyllamas-stories-260k";
export const STORIES_EMBEDDINGS = "@cf/karpathy/tinyllamas-stories-260k-embeddings";
export const TINYSTORIES_656K = "@cf/raincandy-u/tinystories-656k";

export interface TestServer {
  url: string;
  process: ChildProcess;
  /** Everything the server printed, for assertions and for debugging a failure. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the built server (`node bin/outpost.js serve`, as users run it) on a free loopback
 * port with a private data dir, and resolves once it is listening. `root`: another built
 * checkout to run instead (a benchmark's baseline side).
 */
export async function startServer(flags: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}, root = REPO_ROOT): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "outpost-test-"));
  const args = Object.entries({ host: "127.0.0.1", port: "0", "data-dir": dataDir, "model-mirror": MODEL_MIRROR, ...flags }).flatMap(([k, v]) => [`--${k}`, v]);
  const child = spawn(process.execPath, [join(root, "bin/outpost.js"), "serve", ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Reads a whole response body as text, as a client would. */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
}
