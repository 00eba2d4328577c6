import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADVERT_INTERVAL_MS } from "../../src/network/constants.js";
import { connectBus, RemoteCaller, splitServers, type NetworkView } from "../../src/network/index.js";
import { REPO_ROOT, startServer, STORIES, type TestServer } from "../helpers/server.js";

export interface City {
  city: string;
  region: string;
  coords: string;
}

/** Real coordinates, so placement is decided by distance as it would be across the world. */
export const LIS: City = { city: "lis", region: "eu", coords: "38.72,-9.14" };
export const MAD: City = { city: "mad", region: "eu", coords: "40.42,-3.70" };
export const PAR: City = { city: "par", region: "eu", coords: "48.86,2.35" };
export const NYC: City = { city: "nyc", region: "us", coords: "40.71,-74.01" };

/**
 * The accept deadline of nodes and callers in tests that are not about it: on a loaded machine
 * a live node can take longer than the default 300 ms to read a request, and a request then
 * moves to another city. Tests of failover name their own deadline.
 */
export const TEST_ACCEPT_TIMEOUT_MS = 5_000;

export interface TestNode extends TestServer {
  node: string;
  city: string;
  dataDir: string;
}

/**
 * Starts `outpost serve` as a node of the network. `models: false` gives it an empty mirror,
 * so it has no model of its own and must route (or pull from the object store).
 */
export async function startNode(at: City, nats: string, options: { models?: boolean; flags?: Record<string, string>; env?: NodeJS.ProcessEnv; root?: string } = {}): Promise<TestNode> {
  const dataDir = mkdtempSync(join(tmpdir(), `outpost-${at.city}-`));
  const node = `${at.city}-1`;
  const flags: Record<string, string> = { city: at.city, region: at.region, coords: at.coords, nats, "node-id": node, "data-dir": dataDir, slots: "1", threads: "1", "accept-timeout-ms": String(TEST_ACCEPT_TIMEOUT_MS), ...options.flags };
  if (options.models === false) flags["model-mirror"] = join(dataDir, "no-mirror");
  const server = await startServer(flags, options.env, options.root);
  return {
    ...server,
    node,
    city: at.city,
    dataDir,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function view(node: TestServer): Promise<NetworkView> {
  const response = await fetch(`${node.url}/network`);
  return (await response.json()) as NetworkView;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Waits until `from` sees every one of `nodes` healthy. */
export async function waitForMembers(from: TestServer, nodes: string[]): Promise<void> {
  await waitFor(`${nodes.join(", ")} to be seen`, async () => {
    const v = await view(from);
    return nodes.every((n) => v.nodes.some((row) => row.node === n && row.health === "ok"));
  });
}

/** Waits until `from` sees `node` with `active` requests of `model`. */
export async function waitForLoad(from: TestServer, node: string, active: number, model = STORIES): Promise<void> {
  await waitFor(`${node} to show ${active} active`, async () => {
    const v = await view(from);
    return (v.nodes.find((n) => n.node === node)?.models[model]?.active ?? 0) === active;
  });
}

/**
 * Waits one advert interval: a router counts its own last request on a node as active until
 * that node's next advert, so only then does it see the node as free for certain.
 */
export async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ADVERT_INTERVAL_MS + 200));
}

export interface Hold {
  release(): Promise<void>;
}

/**
 * Occupies one slot of `node` through the real transport: a long generation whose consumer
 * reads one event and then grants no more credit, so the node's runner stays blocked (until
 * CREDIT_STALL_MS or release). This is how a slow client looks, and it is deterministic.
 */
export async function holdSlot(nats: string, node: string, model = STORIES): Promise<Hold> {
  const nc = await connectBus(splitServers(nats), "test-holder");
  const caller = new RemoteCaller(nc, { acceptTimeoutMs: TEST_ACCEPT_TIMEOUT_MS });
  const result = await caller.call({ node, city: node }, model, { kind: "generate", prompt: [{ text: "Once upon a time", special: false }], sampling: { maxTokens: 450, temperature: 0 } }, {});
  if (result.kind !== "events") throw new Error("expected a stream");
  const events = result.events[Symbol.asyncIterator]();
  await events.next();
  return {
    async release() {
      await events.return?.();
      caller.close();
      await nc.close();
    },
  };
}

/** Reads an SSE body to the end: its data lines and whether it ended with an error event. */
export async function readSse(response: Response): Promise<{ data: string[]; error: boolean; text: string }> {
  const text = await response.text();
  return { data: text.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)), error: text.includes("event: error"), text };
}

/** Runs the built CLI (`node bin/outpost.js …`) to completion. */
export async function cli(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(REPO_ROOT, "bin/outpost.js"), ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearTimeout(timer);
  return { code, output };
}
