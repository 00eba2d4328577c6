import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { after, before, test, type TestContext } from "node:test";
import type { RequestRecord } from "../../src/contract/index.js";
import { envelopeResult } from "../helpers/http.js";
import { childPids, eventually, metric } from "../helpers/metrics.js";
import { startServer, STORIES, type TestServer } from "../helpers/server.js";
import { exchange } from "../helpers/socket.js";

/**
 * A client that goes away, as fetch does on abort: it closes its socket, which sends the same
 * FIN a half-closing client sends. A frozen runner (SIGSTOP) stands in for an engine step that
 * takes long (a whisper window, a diffusion step, a long prefill): while it lasts the server
 * writes nothing, so only the server's own probing can find the client gone. The heartbeat
 * watchdog is off so that the frozen runner is not killed meanwhile.
 */
let server: TestServer;
before(async () => {
  server = await startServer({ slots: "1" }, { OUTPOST_RUNNER_HEARTBEAT_TIMEOUT_MS: "0" });
  await envelopeResult(await run({ prompt: "Once", max_tokens: 1 }));
});
after(() => server?.stop());

const MAX_TOKENS = 400;
/** How long a stream must stay silent before what its frozen runner sent counts as all arrived. */
const QUIET_MS = 300;
const run = (inputs: unknown, signal?: AbortSignal): Promise<Response> =>
  fetch(`${server.url}/ai/run/${STORIES}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(inputs), signal });
const requests = async () => ((await (await fetch(`${server.url}/api/requests`)).json()) as { result: RequestRecord[] }).result;
const gauge = (name: string) => metric(server.url, name, { model: STORIES });
const runnerPid = () => childPids(server.process.pid!).find((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(STORIES))!;

/** Freezes the model's runner until the test ends (or `thaw` is called). */
function freeze(t: TestContext): () => void {
  const pid = runnerPid();
  process.kill(pid, "SIGSTOP");
  let frozen = true;
  const thaw = () => {
    if (frozen) process.kill(pid, "SIGCONT");
    frozen = false;
  };
  t.after(thaw);
  return thaw;
}

/** Whether the server still has a connection from this client port open (Linux /proc/net/tcp). */
function serverHolds(clientPort: number): boolean {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, "0");
  const [local, remote] = [`:${hex(Number(new URL(server.url).port))}`, `:${hex(clientPort)}`];
  return readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .some((line) => {
      const [, localAddress, remoteAddress] = line.trim().split(/\s+/);
      return localAddress?.endsWith(local) && remoteAddress?.endsWith(remote);
    });
}

interface FrozenStream {
  /** The client's port, to find the server's side of the connection. */
  clientPort: number;
  thaw: () => void;
  /** Destroys the client's socket, as fetch's abort does. */
  close: () => void;
  /** Resolves once the whole answer has arrived. */
  ended: Promise<void>;
}

/**
 * A stream that holds the model's only slot: its first event has come, its runner is frozen,
 * and what the runner sent before it froze has arrived (the stream has been quiet a while), so
 * the server has nothing left to write. node:http rather than fetch, for the client's port. A
 * loaded machine may let the whole generation finish before the freeze: then it is tried again.
 */
async function frozenStream(t: TestContext): Promise<FrozenStream> {
  for (let attempt = 1; ; attempt++) {
    const frozen = await new Promise<FrozenStream & { complete: boolean }>((resolve, reject) => {
      const req = request(`${server.url}/ai/run/${STORIES}`, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
        const ended = new Promise<void>((done) => res.on("end", done).on("close", done));
        res.once("data", () => {
          const thaw = freeze(t);
          const quiet = () => setTimeout(() => resolve({ clientPort: req.socket!.localPort!, thaw, close: () => req.destroy(), ended, complete: res.complete }), QUIET_MS);
          let timer = quiet();
          res.on("data", () => (clearTimeout(timer), (timer = quiet())));
        });
      });
      req.on("error", () => undefined);
      req.end(JSON.stringify({ prompt: "Once upon a time", max_tokens: MAX_TOKENS, stream: true, seed: 3 }));
    });
    if (!frozen.complete) return frozen;
    frozen.thaw();
    assert.ok(attempt < 5, "the stream ran to its end before its runner could be frozen, five times");
  }
}

test("a stream whose client goes after its first token is let go mid-step: logged 499, its slot freed for the next request", async (t) => {
  const { clientPort, thaw, close } = await frozenStream(t);
  close();
  // Let go while its runner is still frozen: no token was written to the closed socket meanwhile.
  assert.ok(await eventually(async () => !serverHolds(clientPort)), "the server closed the connection while the step lasted");
  // The next request waits only for the frozen step: once it ends, the cancel frees the slot.
  const next = run({ prompt: "Once", max_tokens: 4 });
  assert.ok(await eventually(async () => (await gauge("outpost_queue_depth")) === 1));
  thaw();
  assert.ok((await envelopeResult<{ response: string }>(await next)).response.length > 0);
  assert.equal(await gauge("outpost_active_sequences"), 0);
  // The two newest records, in whichever order the two ends were logged.
  const newest = (await requests()).slice(0, 2);
  assert.deepEqual(newest.map((r) => r.status).sort(), [200, 499], JSON.stringify(newest));
  const aborted = newest.find((r) => r.status === 499)!;
  assert.ok(aborted.completionTokens! < MAX_TOKENS, `${aborted.completionTokens} tokens`);
});

test("a request whose client goes while it waits in the queue leaves the queue at once, logged 499", async (t) => {
  const { thaw, ended } = await frozenStream(t);
  for (const stream of [false, true]) {
    const client = new AbortController();
    const waiting = run({ prompt: "Once", max_tokens: 4, stream }, client.signal).catch((error: Error) => error.name);
    assert.ok(await eventually(async () => (await gauge("outpost_queue_depth")) === 1), "the request is queued");
    client.abort();
    assert.equal(await waiting, "AbortError");
    // The slot is still held by the frozen stream: the queue emptied because the entry was dropped.
    assert.ok(await eventually(async () => (await gauge("outpost_queue_depth")) === 0), `the ${stream ? "streamed" : "non-streamed"} request left the queue`);
    assert.equal(await gauge("outpost_active_sequences"), 1);
    const [left] = await requests();
    assert.equal(left!.status, 499);
    assert.equal(left!.error, "The request was cancelled while queued");
  }
  // A client that only half-closes sends the same FIN but still reads: the probes reach it as
  // interim 100s, and it gets its answer once there is a slot.
  let probes = "";
  const body = JSON.stringify({ prompt: "Once", max_tokens: 4 });
  const halfClosed = exchange(server.url, (socket) => {
    socket.on("data", (chunk: string) => (probes += chunk));
    socket.end(`POST /ai/run/${STORIES} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  });
  assert.ok(await eventually(async () => probes.startsWith("HTTP/1.1 100 Continue\r\n\r\n".repeat(3))), "probed while queued");
  assert.equal(await gauge("outpost_queue_depth"), 1, "still queued");
  thaw();
  assert.match((await halfClosed).text, /^(HTTP\/1\.1 100 Continue\r\n\r\n)+HTTP\/1\.1 200 [^]*"success":true/);
  await ended;
  assert.ok(await eventually(async () => (await gauge("outpost_active_sequences")) === 0));
  assert.deepEqual((await requests()).slice(0, 2).map((r) => r.status), [200, 200], "the holder and the half-closed request were served");
});
