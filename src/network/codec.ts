import { OutpostError } from "../contract/index.js";
import type { CreditGrant, RunReply, RunRequest } from "./types.js";

/**
 * The NATS codec of contract/frames.ts's framing. One message carries every frame a node had
 * ready in one event-loop turn (responder.ts), each a tag byte and its fields: a token is its
 * tag, seq and UTF-8 text, no JSON; a chunk is its raw bytes. Only values with structure
 * (`done`, errors, refusals) carry JSON. A run request is a JSON header followed by the job's
 * JSON bytes as the caller encoded them, once. The first byte of every message is the codec's
 * version, so a node of another version fails loudly instead of misreading.
 */
export const CODEC_VERSION = 1;

/** Set on a data frame's tag when the frame asks for credit (contract/frames.ts). */
const ASK = 0x80;
const TAG = { accept: 1, hb: 2, headEvents: 3, headJson: 4, headBytes: 5, token: 6, callText: 7, event: 8, chunk: 9, end: 10, error: 11, refuse: 12, pull: 13 } as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Appends frames to one growing buffer; `bytes` is what a message of them would weigh. */
export class ReplyWriter {
  #buffer = new Uint8Array(256);
  #length = 0;

  constructor() {
    this.#byte(CODEC_VERSION);
  }

  /** Encoded size so far, version byte included. */
  get bytes(): number {
    return this.#length;
  }

  /** No frame written since the last take(). */
  get empty(): boolean {
    return this.#length === 1;
  }

  write(reply: RunReply): void {
    switch (reply.t) {
      case "accept":
      case "hb":
      case "end":
        return this.#byte(TAG[reply.t]);
      case "head":
        if (reply.kind === "bytes") {
          this.#byte(TAG.headBytes);
          return this.#text(reply.contentType);
        }
        return this.#byte(reply.kind === "events" ? TAG.headEvents : TAG.headJson);
      case "event": {
        const { event } = reply;
        // A token is its text alone, but for the first one's prompt size, which goes as JSON.
        const plain = (event.type === "token" && event.promptTokens === undefined) || event.type === "call_text";
        const tag = !plain ? TAG.event : event.type === "token" ? TAG.token : TAG.callText;
        this.#byte(tag | (reply.ask ? ASK : 0));
        this.#varint(reply.seq);
        return this.#text(plain ? event.text : JSON.stringify(event));
      }
      case "chunk":
        this.#byte(TAG.chunk | (reply.ask ? ASK : 0));
        this.#varint(reply.seq);
        return this.#bytes(reply.data);
      case "error":
        this.#byte(TAG.error);
        return this.#text(JSON.stringify(reply.error));
      case "refuse":
        this.#byte(TAG.refuse);
        return this.#text(JSON.stringify({ error: reply.error, retry: reply.retry }));
      case "pull":
        this.#byte(TAG.pull);
        return this.#varint(reply.offset);
    }
  }

  /** The message of everything written so far; the writer starts again, empty. */
  take(): Uint8Array {
    const message = this.#buffer.slice(0, this.#length);
    this.#length = 0;
    this.#byte(CODEC_VERSION);
    return message;
  }

  #room(extra: number): void {
    if (this.#length + extra <= this.#buffer.byteLength) return;
    const grown = new Uint8Array(Math.max(this.#buffer.byteLength * 2, this.#length + extra));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }

  #byte(value: number): void {
    this.#room(1);
    this.#buffer[this.#length++] = value;
  }

  /** LEB128: 7 bits a byte, low first. Seqs, offsets and lengths are far below 2^53. */
  #varint(value: number): void {
    this.#room(8);
    while (value >= 0x80) {
      this.#buffer[this.#length++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.#buffer[this.#length++] = value;
  }

  #bytes(data: Uint8Array): void {
    this.#varint(data.byteLength);
    this.#room(data.byteLength);
    this.#buffer.set(data, this.#length);
    this.#length += data.byteLength;
  }

  #text(text: string): void {
    // Short texts (tokens) are encoded in place: a UTF-16 unit is at most 3 UTF-8 bytes.
    if (text.length > 127) return this.#bytes(encoder.encode(text));
    this.#room(1 + 3 * text.length);
    const { written } = encoder.encodeInto(text, this.#buffer.subarray(this.#length + 1));
    this.#buffer[this.#length] = written;
    this.#length += 1 + written;
  }
}

/** One message's frames, in order. A chunk's data is a view of the message, not a copy. */
export function decodeReplies(message: Uint8Array): RunReply[] {
  if (message[0] !== CODEC_VERSION) throw new OutpostError("INTERNAL", `A NATS reply in codec version ${message[0]}; this node speaks ${CODEC_VERSION}`);
  const replies: RunReply[] = [];
  let at = 1;
  const varint = (): number => {
    let value = 0;
    for (let scale = 1; ; scale *= 0x80) {
      const byte = message[at++];
      if (byte === undefined) throw new OutpostError("INTERNAL", "A NATS reply ends inside a frame");
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
    }
  };
  const bytes = (): Uint8Array => {
    const length = varint();
    if (at + length > message.byteLength) throw new OutpostError("INTERNAL", "A NATS reply ends inside a frame");
    const data = message.subarray(at, at + length);
    at += length;
    return data;
  };
  const text = () => decoder.decode(bytes());
  while (at < message.byteLength) {
    const byte = message[at++]!;
    const tag = byte & ~ASK;
    const ask = byte & ASK ? ({ ask: true } as const) : {};
    switch (tag) {
      case TAG.accept:
        replies.push({ t: "accept" });
        break;
      case TAG.hb:
        replies.push({ t: "hb" });
        break;
      case TAG.end:
        replies.push({ t: "end" });
        break;
      case TAG.headEvents:
        replies.push({ t: "head", kind: "events" });
        break;
      case TAG.headJson:
        replies.push({ t: "head", kind: "json" });
        break;
      case TAG.headBytes:
        replies.push({ t: "head", kind: "bytes", contentType: text() });
        break;
      case TAG.token:
      case TAG.callText: {
        const seq = varint();
        replies.push({ t: "event", seq, ...ask, event: { type: tag === TAG.token ? "token" : "call_text", text: text() } });
        break;
      }
      case TAG.event: {
        const seq = varint();
        replies.push({ t: "event", seq, ...ask, event: JSON.parse(text()) });
        break;
      }
      case TAG.chunk: {
        const seq = varint();
        replies.push({ t: "chunk", seq, ...ask, data: bytes() });
        break;
      }
      case TAG.error:
        replies.push({ t: "error", error: JSON.parse(text()) });
        break;
      case TAG.refuse:
        replies.push({ t: "refuse", ...(JSON.parse(text()) as { error: never; retry: boolean }) });
        break;
      case TAG.pull:
        replies.push({ t: "pull", offset: varint() });
        break;
      default:
        throw new OutpostError("INTERNAL", `A NATS reply has a frame of unknown tag ${tag}`);
    }
  }
  return replies;
}

/** A credit grant, the caller's answer to a message that asked for credit: version, cancel, upTo (float64). */
export function encodeGrant(grant: CreditGrant): Uint8Array {
  const message = new Uint8Array(10);
  const view = new DataView(message.buffer);
  view.setUint8(0, CODEC_VERSION);
  view.setUint8(1, grant.cancel ? 1 : 0);
  view.setFloat64(2, grant.upTo);
  return message;
}

export function decodeGrant(message: Uint8Array): CreditGrant {
  if (message.byteLength !== 10 || message[0] !== CODEC_VERSION) throw new OutpostError("INTERNAL", "A credit grant this node cannot read");
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  return view.getUint8(1) === 1 ? { upTo: view.getFloat64(2), cancel: true } : { upTo: view.getFloat64(2) };
}

/** One frame as a message of its own (a node's request for a piece of a large job). */
export function encodeReply(reply: RunReply): Uint8Array {
  const writer = new ReplyWriter();
  writer.write(reply);
  return writer.take();
}

/**
 * A run request: version, the header's JSON length (uint32) and JSON, then the job's JSON bytes
 * when it travels inline. The job is not re-encoded into the header: the caller serialises it
 * once, for its size check and for the message (or the pieces the node pulls).
 */
export function encodeRunRequest(request: RunRequest, job: Uint8Array | undefined): Uint8Array {
  const header = encoder.encode(JSON.stringify(request));
  const message = new Uint8Array(5 + header.byteLength + (job?.byteLength ?? 0));
  message[0] = CODEC_VERSION;
  new DataView(message.buffer).setUint32(1, header.byteLength);
  message.set(header, 5);
  if (job) message.set(job, 5 + header.byteLength);
  return message;
}

/** The header and the inline job's bytes (empty when the node must pull the job). */
export function decodeRunRequest(message: Uint8Array): { request: RunRequest; job: Uint8Array } {
  if (message[0] !== CODEC_VERSION) throw new OutpostError("INTERNAL", `A NATS run request in codec version ${message[0]}; this node speaks ${CODEC_VERSION}`);
  const length = message.byteLength >= 5 ? new DataView(message.buffer, message.byteOffset, message.byteLength).getUint32(1) : Infinity;
  if (5 + length > message.byteLength) throw new OutpostError("INTERNAL", "A NATS run request ends inside its header");
  const request = JSON.parse(decoder.decode(message.subarray(5, 5 + length))) as RunRequest;
  return { request, job: message.subarray(5 + length) };
}
