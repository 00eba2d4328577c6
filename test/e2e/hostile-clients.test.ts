import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { envelopeError, envelopeResult, openAiError } from "../helpers/http.js";
import { childPids } from "../helpers/metrics.js";
import { postJson, startServer, STORIES, type TestServer } from "../helpers/server.js";
import { exchange, idleConnection } from "../helpers/socket.js";

const valid = { prompt: "Once upon a time", max_tokens: 4, seed: 1 };
const post = (path: string, body: string) => `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe("hostile bodies", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server?.stop());

  test("a body of millions of tiny values is refused by its shape, 413, on every surface; the next request is served", async () => {
    const flat = `[${"{},".repeat(1_000_000)}{}]`;
    await envelopeError(await postJson(`${server.url}/ai/run/${STORIES}`, flat), 400, 1001, "Invalid input at '/': at most 1024 items are allowed");
    const amplifier = `[${Array.from({ length: 60 }, () => `[${"{},".repeat(999)}{}]`).join(",")}]`;
    await envelopeError(await postJson(`${server.url}/ai/run/${STORIES}`, amplifier), 413, 3006, "Request is too large: it has more than 50000 JSON values");
    await openAiError(await postJson(`${server.url}/v1/chat/completions`, amplifier), 413, "input_too_large", /more than 50000 JSON values/);
    const nested = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    await envelopeError(await postJson(`${server.url}/ai/run/${STORIES}`, nested), 413, 3006, "Request is too large: it is nested deeper than 32 levels");
    const long = JSON.stringify({ prompt: "x".repeat(200_000) });
    await envelopeError(await postJson(`${server.url}/ai/run/${STORIES}`, long), 413, 3006, "Request is too large: the string at '/prompt' is longer than 131072 characters");
    const proxied = await postJson(`${server.url}/client/v4/accounts/local/ai/run/proxy`, JSON.stringify({ inputs: { messages: Array.from({ length: 1_025 }, () => ({ role: "user", content: "x" })) } }), { "cf-consn-model-id": STORIES });
    assert.equal(proxied.status, 400);
    assert.equal(((await proxied.json()) as { description: string }).description, "Invalid input at '/messages': at most 1024 items are allowed");
    assert.ok((await envelopeResult(await postJson(`${server.url}/ai/run/${STORIES}`, valid))).response);
  });

  test("a prompt longer than the context window is refused by its token count, naming the window, on every surface", async () => {
    // Four messages at the per-string limit: 524 KB that once overflowed the stack in the runner.
    const page = "Once upon a time there was a little girl who liked to play. ".repeat(2_200).slice(0, 131_072);
    const messages = Array.from({ length: 4 }, () => ({ role: "user", content: page }));
    const window = /^The prompt is \d+ tokens; the model's context window is \d+ tokens$/;
    await envelopeError(await postJson(`${server.url}/ai/run/${STORIES}`, JSON.stringify({ messages, max_tokens: 4 })), 400, 5021, window);
    await envelopeError(await postJson(`${server.url}/ai/run/${STORIES}`, JSON.stringify({ prompt: page, max_tokens: 4 })), 400, 5021, window);
    await openAiError(await postJson(`${server.url}/v1/chat/completions`, JSON.stringify({ model: STORIES, messages, max_tokens: 4 })), 400, "context_length_exceeded", window);
    assert.ok((await envelopeResult(await postJson(`${server.url}/ai/run/${STORIES}`, valid))).response);
  });
});

describe("admission before the body", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ slots: "1", "max-queue": "0" });
  });
  after(() => server?.stop());

  test("with the model's slot held and no queue, a run request is refused with 429 before its body is sent", async () => {
    await envelopeResult(await postJson(`${server.url}/ai/run/${STORIES}`, valid));
    // The slot is held by a stream whose runner is then frozen: it neither finishes nor frees it.
    const frozen: number[] = [];
    const holder = await new Promise<ReturnType<typeof request>>((resolve, reject) => {
      const body = JSON.stringify({ prompt: "Once upon a time", max_tokens: 400, stream: true });
      const req = request(`${server.url}/ai/run/${STORIES}`, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
        for (const pid of childPids(server.process.pid!)) {
          process.kill(pid, "SIGSTOP");
          frozen.push(pid);
        }
        res.resume();
        resolve(req);
      });
      req.on("error", reject);
      req.end(body);
    });
    try {
      for (const head of [
        `POST /ai/run/${STORIES} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n`,
        `POST /client/v4/accounts/local/ai/run/proxy HTTP/1.1\r\nHost: localhost\r\ncf-consn-model-id: ${STORIES}\r\nContent-Length: 1000000\r\n\r\n`,
      ]) {
        // Headers only: the body never comes, so only an answer decided without it can arrive.
        const answer = await exchange(server.url, (socket) => socket.write(head), 15_000);
        assert.match(answer.text, /^HTTP\/1\.1 429 /, `${head.split(" ")[1]}: ${answer.text || "(no answer)"}`);
        assert.match(answer.text, /retry-after: 1/i);
        assert.match(answer.text, /Out of capacity/);
      }
    } finally {
      for (const pid of frozen) process.kill(pid, "SIGCONT");
      holder.destroy();
    }
  });
});

describe("slow and half-closed connections", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ "headers-timeout-ms": "1000", "body-timeout-ms": "2000", "max-connections": "6" });
  });
  after(() => server?.stop());

  test("stalled headers and stalled bodies get 408 and their connection closed; others are served", async () => {
    const headers = await exchange(server.url, (socket) => socket.write(`POST /ai/run/${STORIES} HTTP/1.1\r\nHost: localhost\r\n`));
    assert.ok(headers.closed, "the connection was closed");
    assert.match(headers.text, /^HTTP\/1\.1 408 /);
    const body = await exchange(server.url, (socket) => socket.write(`POST /ai/run/${STORIES} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"prompt":`));
    assert.ok(body.closed, "the connection was closed");
    assert.match(body.text, /^HTTP\/1\.1 408 /);
    assert.ok((await envelopeResult(await postJson(`${server.url}/ai/run/${STORIES}`, valid))).response);
  });

  test("past --max-connections a new connection is closed on arrival; freed ones make room", async () => {
    const held = await Promise.all(Array.from({ length: 6 }, () => idleConnection(server.url)));
    const refused = await exchange(server.url, (socket) => socket.write(post(`/ai/run/${STORIES}`, JSON.stringify(valid))));
    assert.deepEqual(refused, { text: "", closed: true });
    for (const socket of held) socket.destroy();
    await new Promise((r) => setTimeout(r, 200)); // the server sees the closes
    assert.ok((await envelopeResult(await postJson(`${server.url}/ai/run/${STORIES}`, valid))).response);
  });

  test("a client that half-closes after sending its request still gets the whole answer", async () => {
    for (const body of [{ ...valid, stream: false }, { ...valid, stream: true }]) {
      const answer = await exchange(server.url, (socket) => socket.end(post(`/ai/run/${STORIES}`, JSON.stringify(body))));
      // Its FIN is what a client that went away sends too: the server probes with interim 100s.
      assert.match(answer.text, /^(HTTP\/1\.1 100 Continue\r\n\r\n)*HTTP\/1\.1 200 /, answer.text || "(0 bytes)");
      assert.match(answer.text, body.stream ? /data: \[DONE\]/ : /"success":true/);
    }
  });
});
