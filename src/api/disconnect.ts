import type { HttpBindings } from "@hono/node-server";
import type { MiddlewareHandler } from "hono";

/**
 * Gaps between probes of a connection whose client has sent its FIN, in ms: doubling from the
 * first, so a client on the same machine or LAN is found gone within about the first gap, and a
 * half-closed client waiting out a long answer gets about one probe a second.
 */
const FIRST_PROBE_GAP_MS = 50;
const MAX_PROBE_GAP_MS = 1_000;

const NEWLINE = 0x0a;
/** An SSE comment: every event-stream parser skips it (HTML's server-sent events, "Parsing an event stream"). */
const SSE_COMMENT = new TextEncoder().encode(":\n\n");

/**
 * Makes a client that went away abort its request at once, so its queue entry is dropped or
 * its engine is told to cancel. TCP tells a server only that the client sent a FIN, and a
 * client that closed its socket sends the same FIN as one that only half-closed it and still
 * waits for the answer (which it must get: `curl -T`, `nc -N`). The difference shows when data
 * reaches the client: a closed socket answers with a reset, and the write after the reset fails,
 * which closes the response and aborts the request's signal (@hono/node-server wires the
 * response's `close` to `c.req.raw.signal`). Without probes that write came only with the answer
 * or the next token; a request still queued, or a 30 s whisper window, ran on for nothing.
 *
 * So once the client's FIN has arrived, and until the answer is complete, the connection is
 * probed: before the answer's headers with `100 Continue` (an interim response every HTTP/1.1
 * client must skip, RFC 9110 §15.2, and the one that even Python's http.client skips), after
 * them, in an event stream, with an SSE comment between two events. A byte stream (audio) has
 * no harmless bytes to send; its own next write finds the reset. A connection whose client did
 * not send a FIN is never probed.
 */
export const noticeDisconnects: MiddlewareHandler = async (c, next) => {
  const { incoming, outgoing } = (c.env ?? {}) as Partial<HttpBindings>;
  // Only a real HTTP connection (not app.request() in tests) has a socket to watch.
  if (!incoming || !outgoing) return next();
  let gapMs = FIRST_PROBE_GAP_MS;
  let timer: NodeJS.Timeout | undefined;
  /** Once the answer is an event stream: writes a comment if it is between two events. */
  let probeEvents: (() => void) | undefined;
  // HTTP/1.0 clients may not be sent a 1xx response (RFC 9110 §15.2).
  const interim = incoming.httpVersionMajor > 1 || incoming.httpVersionMinor > 0;
  const probe = () => {
    if (outgoing.writableEnded || outgoing.destroyed) return;
    if (!outgoing.headersSent) {
      if (interim) outgoing.writeContinue();
    } else probeEvents?.();
    timer = setTimeout(probe, gapMs);
    gapMs = Math.min(gapMs * 2, MAX_PROBE_GAP_MS);
  };
  const socket = incoming.socket;
  if (socket.readableEnded) probe();
  else socket.once("end", probe);
  // A kept-alive socket serves many requests: each one's listener and timer go with its answer.
  outgoing.once("close", () => {
    socket.off("end", probe);
    clearTimeout(timer);
  });
  await next();
  // The type first: reading `body` turns @hono/node-server's string response into a web stream, which costs every answer.
  if (c.res.headers.get("content-type")?.startsWith("text/event-stream") && c.res.body) {
    const { body, probe } = probeableEvents(c.res.body);
    probeEvents = probe;
    c.res = new Response(body, c.res);
  }
};

/**
 * The event stream as it is, plus a probe that puts an SSE comment into it when the bytes so far
 * end between two events and nothing is waiting to be written (a waiting write probes by itself).
 * It pulls only when its reader asks, as the stream it wraps does, so a slow reader still pauses
 * the generation behind it.
 */
function probeableEvents(events: ReadableStream<Uint8Array>): { body: ReadableStream<Uint8Array>; probe: () => void } {
  const reader = events.getReader();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  /** The last two bytes sent end an event (a blank line); nothing is sent yet at the start. */
  let last = [NEWLINE, NEWLINE];
  /** Enqueueing into a closed or cancelled stream throws (an errored one has no desiredSize). */
  let open = true;
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      async pull(c) {
        const { done, value } = await reader.read();
        if (done) {
          open = false;
          return c.close();
        }
        if (value.byteLength > 0) last = value.byteLength > 1 ? [value[value.byteLength - 2]!, value[value.byteLength - 1]!] : [last[1]!, value[0]!];
        c.enqueue(value);
      },
      cancel: (reason) => {
        open = false;
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  const probe = () => {
    if (open && last[0] === NEWLINE && last[1] === NEWLINE && controller.desiredSize === 0) controller.enqueue(SSE_COMMENT);
  };
  return { body, probe };
}
