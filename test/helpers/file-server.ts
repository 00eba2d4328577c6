import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** Faults a route can inject, to test what a pull does with a bad network or a bad file. */
export interface Faults {
  /** Destroys the connection after this many body bytes of a response... */
  cutAfterBytes?: number;
  /** ...for this many responses, then serves normally (default: every response). */
  cutTimes?: number;
  /** Serves the file with the byte at this offset flipped. */
  corruptAt?: number;
  /** Sends `chunkBytes` then waits `delayMs`, so a test can act mid-transfer. */
  throttle?: { chunkBytes: number; delayMs: number };
  /** Answers this status with no body instead of the file. */
  status?: number;
  /** Ignores Range and always sends the whole file with 200, as some servers do. */
  ignoreRange?: boolean;
  /** Extra response headers, e.g. Hugging Face's x-linked-etag. */
  headers?: Record<string, string>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  range?: string;
  ifRange?: string;
  authorization?: string;
  status: number;
  /** Body bytes written for this request. */
  sentBytes: number;
}

export interface FileServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  requests: RecordedRequest[];
  /** Serves `file` (its bytes read now) at `path`. */
  serve(path: string, file: string, faults?: Faults): void;
  /** Changes the faults of a served path (e.g. a cut link comes back). */
  setFaults(path: string, faults: Faults): void;
  /** Answers `path` with a 302 to `location`. */
  redirect(path: string, location: string, headers?: Record<string, string>): void;
  /** Bytes sent so far, over all responses for `path`. */
  sentBytes(path: string): number;
  close(): Promise<void>;
}

interface Route {
  bytes?: Buffer;
  etag?: string;
  faults: Faults;
  location?: string;
  headers?: Record<string, string>;
  sent: number;
}

/**
 * A real HTTP server on loopback with byte ranges (`Range`, `If-Range`, 206/416) and fault
 * injection: what the store's download tests and e2e tests pull from instead of the internet.
 */
export async function startFileServer(): Promise<FileServer> {
  const routes = new Map<string, Route>();
  const requests: RecordedRequest[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const route = routes.get(path);
    const record: RecordedRequest = { method: req.method ?? "GET", path, range: req.headers.range, ifRange: req.headers["if-range"] as string | undefined, authorization: req.headers.authorization, status: 0, sentBytes: 0 };
    requests.push(record);
    const answer = (status: number, headers: Record<string, string | number> = {}) => {
      record.status = status;
      res.writeHead(status, headers);
    };
    if (!route) return void (answer(404), res.end());
    if (route.location) return void (answer(302, { location: route.location, ...route.headers }), res.end());
    const { faults } = route;
    if (faults.status) return void (answer(faults.status), res.end());
    const bytes = Buffer.from(route.bytes!);
    if (faults.corruptAt !== undefined) bytes[faults.corruptAt] = (bytes[faults.corruptAt] ?? 0) ^ 0xff;
    const common = { etag: route.etag!, "accept-ranges": "bytes", "content-type": "application/octet-stream", ...faults.headers };
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const rangeValid = range && !faults.ignoreRange && (req.headers["if-range"] === undefined || req.headers["if-range"] === route.etag);
    if (range && rangeValid) {
      start = Number(range[1]);
      if (start >= bytes.length) return void (answer(416, { "content-range": `bytes */${bytes.length}` }), res.end());
      answer(206, { ...common, "content-length": bytes.length - start, "content-range": `bytes ${start}-${bytes.length - 1}/${bytes.length}` });
    } else {
      answer(200, { ...common, "content-length": bytes.length });
    }
    if (req.method === "HEAD") return void res.end();
    const cut = faults.cutAfterBytes !== undefined && (faults.cutTimes === undefined || faults.cutTimes > 0);
    if (cut && faults.cutTimes !== undefined) faults.cutTimes--;
    const end = cut ? Math.min(bytes.length, start + faults.cutAfterBytes!) : bytes.length;
    const step = faults.throttle?.chunkBytes ?? 64 * 1024;
    for (let at = start; at < end && !res.destroyed; at += step) {
      const chunk = bytes.subarray(at, Math.min(end, at + step));
      route.sent += chunk.length;
      record.sentBytes += chunk.length;
      // Waiting for each write to flush paces the sender and makes a cut land after exactly these bytes.
      await new Promise<void>((resolve) => res.write(chunk, () => resolve()));
      if (faults.throttle) await sleep(faults.throttle.delayMs);
    }
    if (cut) {
      // A FIN, not a reset: a reset may discard bytes the client has not read yet, and the test
      // wants to know exactly where the transfer stopped.
      res.socket?.end();
    } else {
      res.end();
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    serve(path, file, faults = {}) {
      const bytes = readFileSync(file);
      routes.set(path, { bytes, etag: `"${bytes.length}-${file.length}"`, faults, sent: 0 });
    },
    setFaults(path, faults) {
      const route = routes.get(path);
      if (!route) throw new Error(`no route ${path}`);
      route.faults = faults;
    },
    redirect(path, location, headers) {
      routes.set(path, { location, headers, faults: {}, sent: 0 });
    },
    sentBytes(path) {
      return routes.get(path)?.sent ?? 0;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
