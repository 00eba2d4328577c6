/** HTTP pieces the hostile scenarios share: raw requests on fresh or kept-alive sockets, /metrics reads. */
import { Agent, request } from "node:http";

export interface Answer {
  /** HTTP status, or 0 when the connection failed or the deadline passed before an answer. */
  status: number;
  ms: number;
}

/**
 * One request whose whole answer is read. `agent: false` gives it a socket of its own, as a
 * separate attacker's connection would be. Never rejects: failures come back as status 0.
 */
export function send(url: string, options: { method?: string; body?: Buffer | string; agent?: Agent | false; deadlineMs?: number }): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (status: number) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ status, ms: performance.now() - started });
    };
    const headers: Record<string, string | number> = {};
    if (options.body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(options.body);
    }
    const req = request(url, { method: options.method ?? (options.body === undefined ? "GET" : "POST"), headers, agent: options.agent ?? false }, (res) => {
      res.resume();
      res.on("end", () => finish(res.statusCode ?? 0));
      res.on("error", () => finish(0));
    });
    // A server may answer (413, 429) before the body is sent and close: the answer still counts.
    req.on("error", () => finish(0));
    const timer = setTimeout(() => (req.destroy(), finish(0)), options.deadlineMs ?? 120_000);
    req.end(options.body);
  });
}

/**
 * Samples of GET /metrics (the first of each name), NaN when absent; from one scrape, since a
 * scrape resets the event-loop delay histogram behind several of them.
 */
export async function metrics(baseUrl: string, names: string[]): Promise<number[]> {
  const lines = (await (await fetch(`${baseUrl}/metrics`)).text()).split("\n");
  return names.map((name) => {
    const line = lines.find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : Number.NaN;
  });
}

/** Runs `step` one call after another until `stop()` is true; collects what each returned. */
export function loop<T>(step: () => Promise<T>): { stop(): Promise<T[]> } {
  const results: T[] = [];
  let running = true;
  const done = (async () => {
    while (running) results.push(await step());
  })();
  return {
    async stop() {
      running = false;
      await done;
      return results;
    },
  };
}

export { Agent };
