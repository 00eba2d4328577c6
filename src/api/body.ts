import type { HttpBindings } from "@hono/node-server";
import type { Context, MiddlewareHandler } from "hono";
import { OutpostError } from "../contract/index.js";
import type { BodyLimits } from "../tasks/index.js";
import { JsonShape } from "./json-shape.js";

/** Requests whose body was refused before it was all read. */
const unread = new WeakSet<Request>();

/**
 * Closes the connection after answering a request whose body was refused part-way: the rest
 * of it is still on the way, so the connection cannot carry another request (a client reusing
 * it would see it reset).
 */
export const closeAfterUnreadBody: MiddlewareHandler = async (c, next) => {
  await next();
  if (unread.has(c.req.raw)) c.res.headers.set("connection", "close");
};

/** Retry-After, in seconds, for a request refused because too many bodies are being read. */
const BUSY_RETRY_AFTER_S = 1;

/**
 * Reads JSON request bodies for every surface. Everything that can be refused is refused
 * before the bytes that make it expensive: a declared length over the limit before reading, a
 * stream over it when it runs over, a shape over the task's BodyLimits while it arrives (before
 * any decoding or parsing), and any body at all while the bodies being read at once already
 * hold `maxBytesInFlight`: 32 clients sending 10 MiB each cannot make the server hold 320 MiB.
 */
export class BodyReader {
  readonly #maxBytes: number;
  readonly #maxBytesInFlight: number;
  #bytesInFlight = 0;

  /** `maxBytesInFlight` is raised to `maxBytes` if lower, so one largest body always fits. */
  constructor(maxBytes: number, maxBytesInFlight: number) {
    this.#maxBytes = maxBytes;
    this.#maxBytesInFlight = Math.max(maxBytes, maxBytesInFlight);
  }

  /** Bytes of request bodies held right now, read but not yet parsed. */
  get bytesInFlight(): number {
    return this.#bytesInFlight;
  }

  /** `within`: the part of the body that holds the task inputs, for paths in messages (the binding wire's `/inputs`). */
  async read(c: Context, limits: BodyLimits, within?: string): Promise<unknown> {
    const shape = new JsonShape(limits, within);
    return this.#collect(c, (chunk) => shape.feed(chunk), parse);
  }

  /**
   * Reads the inputs of a task that takes a file (`binaryField`: `audio`, `image`) either as
   * JSON or, as Workers AI does, as the raw file: `curl --data-binary @talking-llama.mp3` sends
   * it as urlencoded, Python's requests and Node's fetch with none. A body declared JSON, or
   * one that starts with `{` (no audio or image file does), is JSON under the task's limits;
   * any other is the file, as `{[binaryField]: bytes}`.
   */
  async readInputs(c: Context, limits: BodyLimits, binaryField: string | undefined): Promise<unknown> {
    if (!binaryField || /^application\/json\b/i.test(c.req.header("content-type") ?? "")) return this.read(c, limits);
    return this.#collect(c, () => undefined, (chunks) => {
      const bytes = Buffer.concat(chunks);
      const first = bytes.find((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);
      if (first !== 0x7b) return { [binaryField]: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
      new JsonShape(limits).feed(bytes);
      return parse(chunks);
    });
  }

  /**
   * Reads a `multipart/form-data` (or urlencoded) body, as OpenAI's image-edit and audio
   * endpoints take, under the same byte limits as JSON bodies.
   */
  async readForm(c: Context): Promise<FormData> {
    const type = c.req.header("content-type") ?? "";
    if (!/^(multipart\/form-data|application\/x-www-form-urlencoded)\b/i.test(type)) {
      throw new OutpostError("INPUT_INVALID", "Malformed request body: expected multipart/form-data");
    }
    return this.#collect(c, () => undefined, (chunks) =>
      new Response(Buffer.concat(chunks), { headers: { "content-type": type } }).formData().catch(() => {
        throw new OutpostError("INPUT_INVALID", "Malformed request body: not valid multipart/form-data");
      }),
    );
  }

  /** The body's chunks, counted against the limits while they arrive, then `finish`ed while still counted. */
  async #collect<T>(c: Context, feed: (chunk: Uint8Array) => void, finish: (chunks: Uint8Array[]) => T | Promise<T>): Promise<T> {
    const declared = Number(c.req.header("content-length") ?? NaN);
    if (declared > this.#maxBytes) {
      unread.add(c.req.raw);
      throw this.#tooLarge();
    }
    if (this.#bytesInFlight + (declared > 0 ? declared : 1) > this.#maxBytesInFlight) {
      unread.add(c.req.raw);
      throw this.#busy();
    }
    let gzipped: boolean;
    try {
      gzipped = isGzipped(c.req.header("content-encoding"));
    } catch (error) {
      unread.add(c.req.raw);
      throw error;
    }
    const reader = readerOf(c, gzipped);
    if (!reader) throw missingBody();
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      while (true) {
        const { done, value } = await reader.next().catch((error: unknown) => {
          if (gzipped && !c.req.raw.signal.aborted) throw new OutpostError("INPUT_INVALID", "Malformed request body: not valid gzip", { cause: error });
          throw new OutpostError("REQUEST_INCOMPLETE", "Request is missing headers or body: the body was cut off", { cause: error });
        });
        if (done) break;
        size += value.byteLength;
        this.#bytesInFlight += value.byteLength;
        if (size > this.#maxBytes) throw this.#tooLarge();
        if (this.#bytesInFlight > this.#maxBytesInFlight) throw this.#busy();
        feed(value);
        chunks.push(value);
      }
      if (size === 0) throw missingBody();
    } catch (error) {
      unread.add(c.req.raw);
      await reader.stop().catch(() => undefined);
      this.#bytesInFlight -= size;
      throw error;
    }
    try {
      return await finish(chunks);
    } finally {
      this.#bytesInFlight -= size;
    }
  }

  #tooLarge(): OutpostError {
    return new OutpostError("INPUT_TOO_LARGE", `Request is too large: the body limit is ${this.#maxBytes} bytes`);
  }

  #busy(): OutpostError {
    return new OutpostError("QUEUE_FULL", `Out of capacity: the server is reading ${this.#maxBytesInFlight} bytes of request bodies at once, its limit (--max-body-bytes-in-flight)`, {
      retryAfterS: BUSY_RETRY_AFTER_S,
    });
  }
}

interface ChunkReader {
  next(): Promise<IteratorResult<Uint8Array>>;
  /** Stops reading; what is left of the body stays unread, so the refusal still reaches the client. */
  stop(): Promise<unknown>;
}

/**
 * The body's chunks as they arrive: from Node's own request where the server has one (through
 * @hono/node-server's web Request and stream they cost about 0.2 ms more a request), else, and
 * for gzip, which a web stream inflates, from the web Request (app.request() in tests). Limits
 * count the decoded bytes as they inflate: a small gzip bomb stops at maxBytes.
 */
function readerOf(c: Context, gzipped: boolean): ChunkReader | undefined {
  const incoming = (c.env as Partial<HttpBindings> | undefined)?.incoming;
  if (incoming && !gzipped) {
    const chunks = incoming.iterator({ destroyOnReturn: false });
    return { next: () => chunks.next() as Promise<IteratorResult<Uint8Array>>, stop: async () => chunks.return?.() };
  }
  const raw = c.req.raw.body;
  if (!raw) return undefined;
  const reader = (gzipped ? raw.pipeThrough(new DecompressionStream("gzip")) : raw).getReader();
  return { next: () => reader.read() as Promise<IteratorResult<Uint8Array>>, stop: () => reader.cancel() };
}

function parse(chunks: Uint8Array[]): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new OutpostError("INPUT_INVALID", "Malformed request body: not UTF-8 text");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new OutpostError("INPUT_INVALID", `Malformed JSON body: ${(error as Error).message}`);
  }
}

/**
 * `content-encoding: gzip` is what the @cloudflare/ai 1.0 SDK sends; any other coding would be
 * parsed as garbage, so it is refused by name.
 */
function isGzipped(encoding: string | undefined): boolean {
  const coding = encoding?.trim().toLowerCase();
  if (!coding || coding === "identity") return false;
  if (coding === "gzip" || coding === "x-gzip") return true;
  throw new OutpostError("INPUT_INVALID", `Unsupported content-encoding '${encoding}': send the body as is, or gzip`);
}

function missingBody(): OutpostError {
  return new OutpostError("REQUEST_INCOMPLETE", "Request is missing headers or body: body");
}
