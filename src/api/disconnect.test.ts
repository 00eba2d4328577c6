import assert from "node:assert/strict";
import type { Server } from "node:http";
import { connect, type Socket } from "node:net";
import { after, before, test } from "node:test";
import { serve, type ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { noticeDisconnects } from "./disconnect.js";

/**
 * A real HTTP server, half-open as `outpost serve` runs it, and raw sockets: a client that
 * closes (destroy: FIN, then a reset when data comes) and one that only half-closes (end).
 */
let server: ServerType;
let port: number;
/** Whether each request's signal was aborted when its handler let go, by request id. */
const aborted = new Map<string, boolean>();
/** Per request id: resolves the handler's wait (a queued request's slot). */
const release = new Map<string, () => void>();
/** Per request id: the event stream's controller, for the test to write events with. */
const events = new Map<string, ReadableStreamDefaultController<Uint8Array>>();

/** Polls `check`; fails after a hang guard (not a timing assertion). */
const waitFor = async (check: () => boolean) => {
  const guard = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > guard) assert.fail("waited 10 s in vain");
    await new Promise((r) => setTimeout(r, 10));
  }
};

before(async () => {
  const app = new Hono();
  app.use("*", noticeDisconnects);
  app.post("/wait/:id", async (c) => {
    const id = c.req.param("id");
    const signal = c.req.raw.signal;
    await new Promise<void>((resolve) => {
      release.set(id, resolve);
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    aborted.set(id, signal.aborted);
    return c.json({ ok: true });
  });
  app.post("/events/:id", (c) => {
    const id = c.req.param("id");
    const body = new ReadableStream<Uint8Array>({ start: (controller) => void events.set(id, controller) });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => {
      port = info.port;
      resolve();
    });
  });
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
});
after(() => server?.close());

/** Sends a POST and half-closes; collects what comes back until the server closes. */
function halfClosed(path: string): { socket: Socket; text: () => string; closed: Promise<void> } {
  const socket = connect(port, "127.0.0.1");
  let text = "";
  socket.setEncoding("latin1").on("data", (chunk: string) => (text += chunk));
  socket.on("error", () => undefined);
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.end(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n`);
  return { socket, text: () => text, closed };
}

const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";
const encode = (text: string) => new TextEncoder().encode(text);

test("a client that closed its socket aborts its request's signal while the handler still waits", async () => {
  const client = halfClosed("/wait/gone");
  // The first probe: once it has come, the client closes for good (its reset answers the next).
  await waitFor(() => client.text().startsWith(CONTINUE));
  client.socket.destroy();
  await waitFor(() => aborted.has("gone"));
  assert.equal(aborted.get("gone"), true);
});

test("a client that only half-closed is probed with interim 100s and gets its answer; its signal never aborts", async () => {
  const client = halfClosed("/wait/waiting");
  await waitFor(() => client.text().startsWith(CONTINUE.repeat(3)));
  release.get("waiting")!();
  await client.closed;
  assert.match(client.text(), /^(HTTP\/1\.1 100 Continue\r\n\r\n){3,}HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n\{"ok":true\}$/);
  assert.equal(aborted.get("waiting"), false);
});

/** The body so far of a chunked answer, its framing taken off (a chunk still arriving is left out). */
function body(text: string): string {
  let rest = text.slice(text.indexOf("\r\n\r\n") + 4);
  let out = "";
  for (;;) {
    const eol = rest.indexOf("\r\n");
    const size = eol < 0 ? NaN : parseInt(rest.slice(0, eol), 16);
    if (!(size > 0) || rest.length < eol + 4 + size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 4 + size);
  }
}

test("an event stream is probed with SSE comments only between events", async () => {
  const client = halfClosed("/events/split");
  await waitFor(() => events.has("split") && client.text().includes("text/event-stream"));
  const stream = events.get("split")!;
  stream.enqueue(encode("data: one\n\n"));
  await waitFor(() => body(client.text()).includes("data: one\n\n:\n\n"));
  // Half an event: no probe may land inside it, however long the rest takes.
  stream.enqueue(encode("data: t"));
  await waitFor(() => body(client.text()).endsWith("data: t"));
  await new Promise((r) => setTimeout(r, 400));
  assert.ok(body(client.text()).endsWith("data: t"), "nothing was written inside the event");
  stream.enqueue(encode("wo\n\n"));
  await waitFor(() => body(client.text()).includes("data: two\n\n:\n\n"));
  stream.close();
  await client.closed;
  assert.match(body(client.text()), /^(:\n\n)*data: one\n\n(:\n\n)+data: two\n\n(:\n\n)+$/);
});
