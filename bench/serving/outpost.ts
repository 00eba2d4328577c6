/**
 * The Outpost side: the built server started as users start it (`node bin/outpost.js serve`),
 * driven over HTTP with a lean node:http client (keep-alive, no fetch layers) so client cost
 * stays out of the overhead being measured.
 */
import { execFileSync } from "node:child_process";
import { Agent, request } from "node:http";
import { join } from "node:path";
import { startServer } from "../../test/helpers/server.js";
import { cpuMsOf, descendants, vmRssBytes } from "./proc.js";
import type { StreamResult } from "./stats.js";

export interface OutpostServer {
  url: string;
  pid: number;
  /** Resident memory of the server and all its runner children, in bytes. */
  rssBytes(): number;
  /** CPU time (user + system, all threads) used so far by the server and by its runners, in ms. */
  cpuMs(): { server: number; runners: number };
  stop(): Promise<void>;
}

/** Starts the server the way the e2e suites do (test/helpers/server.ts), adding process accounting. */
export async function startOutpost(flags: Record<string, string | number>): Promise<OutpostServer> {
  const server = await startServer(Object.fromEntries(Object.entries(flags).map(([k, v]) => [k, String(v)])));
  const pid = server.process.pid ?? 0;
  return {
    url: server.url,
    pid,
    rssBytes: () => [pid, ...descendants(pid)].reduce((sum, p) => sum + vmRssBytes(p), 0),
    cpuMs: () => ({ server: cpuMsOf(pid), runners: descendants(pid).reduce((sum, p) => sum + cpuMsOf(p), 0) }),
    stop: () => server.stop(),
  };
}

/** `outpost models add <name> <path> --task text-generation --template bare`, into `dataDir`. */
export function addCustomModel(repoRoot: string, dataDir: string, name: string, path: string, contextTokens: number): void {
  const args = ["models", "add", name, path, "--task", "text-generation", "--template", "bare", "--context-tokens", String(contextTokens), "--data-dir", dataDir];
  execFileSync(process.execPath, [join(repoRoot, "bin/outpost.js"), ...args], { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"] });
}

/**
 * Any timeout makes Node's agent honour the server's `Keep-Alive: timeout=5` (it applies the
 * hint only below its own timeout), so a socket left idle by the other side's trials is retired
 * before the server closes it; reusing one the server was closing failed a request with
 * ECONNRESET. On a socket in use the timeout only emits an event, which nothing here listens to.
 */
const agent = new Agent({ keepAlive: true, maxSockets: Infinity, timeout: 600_000 });

/** Closes the kept-alive sockets so the benchmark process can exit. */
export function closeClient(): void {
  agent.destroy();
}

/** What one SSE `data:` payload carried: a piece of text (a token event) and/or the final token count. */
export interface SseData {
  text?: string;
  tokens?: number;
}

/**
 * POSTs `body` and times each SSE event carrying text as its bytes arrive; `parse` reads one
 * `data:` payload (never `[DONE]`). A non-200 answer is read whole; its end time is when the
 * refusal arrived. Without a token count in the stream, the text events are counted.
 */
export function streamSse(url: string, body: string, parse: (data: string) => SseData): Promise<StreamResult> {
  const startMs = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      const status = res.statusCode ?? 0;
      const eventMs: number[] = [];
      let buffered = "";
      let text = "";
      let tokens: number | undefined;
      let failed = false;
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        const now = performance.now();
        if (status !== 200) return;
        buffered += chunk;
        let end: number;
        while ((end = buffered.indexOf("\n\n")) >= 0) {
          const event = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          if (event.startsWith("event: error")) failed = true;
          if (!event.startsWith("data: ") || event === "data: [DONE]") continue;
          const data = parse(event.slice(6));
          if (data.tokens !== undefined) tokens = data.tokens;
          if (data.text) {
            eventMs.push(now);
            text += data.text;
          }
        }
      });
      res.on("end", () => resolve({ status: failed ? 500 : status, startMs, eventMs, endMs: performance.now(), tokens: tokens ?? eventMs.length, text }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** POST /ai/run/{model} with stream: true, the Workers AI SSE stream. */
export function streamRun(baseUrl: string, model: string, inputs: Record<string, unknown>): Promise<StreamResult> {
  return streamSse(`${baseUrl}/ai/run/${model}`, JSON.stringify({ ...inputs, stream: true }), (payload) => {
    const data = JSON.parse(payload) as { response?: string; usage?: { completion_tokens: number } };
    return data.usage ? { tokens: data.usage.completion_tokens } : { text: data.response };
  });
}

/**
 * Opens `count` kept-alive connections (concurrent GET /healthz), so a burst that follows
 * measures the server's admission path rather than TCP handshakes.
 */
export async function warmConnections(baseUrl: string, count: number): Promise<void> {
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve, reject) => {
          const req = request(`${baseUrl}/healthz`, { agent }, (res) => {
            res.resume();
            res.on("end", resolve);
          });
          req.on("error", reject);
          req.end();
        }),
    ),
  );
}

/**
 * POSTs `inputs` to `/ai/run/{model}` and reads the whole answer (a PNG, say), with no client
 * timeout: a full-size picture can take minutes. Inputs given as a string are the JSON body
 * already, serialised once for many requests.
 */
export function runForBytes(baseUrl: string, model: string, inputs: Record<string, unknown> | string): Promise<{ status: number; body: Buffer }> {
  const body = typeof inputs === "string" ? inputs : JSON.stringify(inputs);
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/ai/run/${model}`, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A plain (non-streamed) request; resolves with the status once the whole answer is in. */
export async function plainRun(baseUrl: string, model: string, inputs: Record<string, unknown>): Promise<number> {
  return (await runForBytes(baseUrl, model, inputs)).status;
}
