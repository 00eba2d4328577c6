/**
 * One framing for every hop an engine result takes (runner IPC, NATS): a result becomes a head
 * frame naming its kind, data frames (one event, or one chunk of at most FRAME_CHUNK_BYTES of a
 * json or bytes body), and one terminal frame (`end`, or `error`). Flow control is one credit
 * scheme: the sender sends data frame `seq` only while `seq <= upTo`, and the receiver raises
 * `upTo` to `seq + FLOW_WINDOW_FRAMES` when its consumer takes a frame marked `ask` (every half
 * window). A slow consumer thus pauses the engine instead of growing memory, whatever the kind.
 */
import type { EngineResult } from "./engine.js";
import { OutpostError, type WireError } from "./errors.js";
import type { RunEvent } from "./run.js";

/** Largest body piece in one frame: well under nats-server's default 1 MiB max_payload. */
export const FRAME_CHUNK_BYTES = 256 * 1024;
/** Data frames a sender may have in flight: at most 16 events, or 16 × 256 KiB of a body, per stream. */
export const FLOW_WINDOW_FRAMES = 16;

export type Frame =
  | { t: "head"; kind: "events" | "json" }
  | { t: "head"; kind: "bytes"; contentType: string }
  | { t: "event"; seq: number; ask?: true; event: RunEvent }
  | { t: "chunk"; seq: number; ask?: true; data: Uint8Array }
  | { t: "end" }
  | { t: "error"; error: WireError };

/** How a sender's stream ended: to the end, with an error, or because it was cancelled. */
export type SendOutcome = "served" | "failed" | "cancelled";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Splits a body into pieces of at most FRAME_CHUNK_BYTES, copying so no piece pins a larger buffer. */
async function* rechunk(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterable<Uint8Array> {
  for await (const chunk of chunks) {
    for (let offset = 0; offset < chunk.byteLength; offset += FRAME_CHUNK_BYTES) {
      yield chunk.byteLength <= FRAME_CHUNK_BYTES ? chunk : chunk.slice(offset, offset + FRAME_CHUNK_BYTES);
    }
  }
}

/** Sending half: turns one engine result into frames, within the receiver's credit. */
export class FrameSender {
  readonly #send: (frame: Frame) => void;
  readonly #signal: AbortSignal;
  #upTo = FLOW_WINDOW_FRAMES;
  #seq = 0;
  #wake: (() => void) | undefined;

  /** `signal` aborts the stream: the engine's iterator is stopped and an ABORTED error frame ends it. */
  constructor(send: (frame: Frame) => void, signal: AbortSignal) {
    this.#send = send;
    this.#signal = signal;
    signal.addEventListener("abort", () => this.#wake?.(), { once: true });
  }

  /** Credit from the receiver: data frames up to `upTo` may go. Grants never shrink. */
  grant(upTo: number): void {
    if (upTo <= this.#upTo) return;
    this.#upTo = upTo;
    this.#wake?.();
  }

  /** A failure before there is a result to send. */
  fail(error: unknown): void {
    this.#send({ t: "error", error: OutpostError.from(error).toWire() });
  }

  async pipe(result: EngineResult): Promise<SendOutcome> {
    let failed = false;
    // A cancel leaves the loop by `break`, which waits for the engine's iterator to return (a
    // llama sequence is disposed of there) before the terminal frame frees the slot: a request
    // handed the slot at once must find the engine's sequence free ("No sequences left" else).
    let cancelled = false;
    try {
      this.#send(result.kind === "bytes" ? { t: "head", kind: "bytes", contentType: result.contentType } : { t: "head", kind: result.kind });
      if (result.kind === "events") {
        for await (const event of result.events) {
          if (!(await this.#credit())) {
            cancelled = true;
            break;
          }
          this.#send({ t: "event", ...this.#nextSeq(), event });
          if (event.type === "error") failed = true;
        }
      } else {
        const body = result.kind === "json" ? [encoder.encode(JSON.stringify(result.value))] : result.chunks;
        for await (const data of rechunk(body)) {
          if (!(await this.#credit())) {
            cancelled = true;
            break;
          }
          this.#send({ t: "chunk", ...this.#nextSeq(), data });
        }
      }
      if (cancelled) return this.#cancelled();
    } catch (error) {
      if (this.#signal.aborted) return this.#cancelled();
      this.fail(error);
      return "failed";
    }
    this.#send({ t: "end" });
    return failed ? "failed" : "served";
  }

  #nextSeq(): { seq: number; ask?: true } {
    this.#seq += 1;
    return this.#seq % (FLOW_WINDOW_FRAMES / 2) === 0 ? { seq: this.#seq, ask: true } : { seq: this.#seq };
  }

  /** Waits until the next data frame is within credit; false once the stream is cancelled. */
  async #credit(): Promise<boolean> {
    while (this.#seq + 1 > this.#upTo && !this.#signal.aborted) {
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
    return !this.#signal.aborted;
  }

  /** The stream ends with the abort's reason when it is an OutpostError (a TIMEOUT), else ABORTED. */
  #cancelled(): SendOutcome {
    const reason: unknown = this.#signal.reason;
    this.#send({ t: "error", error: reason instanceof OutpostError ? reason.toWire() : { code: "ABORTED", message: "The request was cancelled" } });
    return "cancelled";
  }
}

type Grant = (upTo: number) => void;
interface Received {
  frame: Frame;
  /** Where this frame's credit goes, when the transport routes it per frame (NATS replies). */
  grant?: Grant;
}

/**
 * Receiving half: rebuilds the engine result from frames. `result` resolves at the head frame
 * (for json once the whole value arrived) and rejects if the sender failed before a result.
 * A consumer that stops early sends `cancel`, and its `return()` resolves only once the sender
 * let go (its terminal frame came, or the transport failed): only then is the engine's slot free.
 */
export class FrameReceiver {
  readonly result: Promise<EngineResult>;
  /** Settles when the sender is done with the request: a terminal frame arrived, or fail() was called. */
  readonly settled: Promise<void>;
  readonly #grant: Grant;
  readonly #cancel: () => void;
  readonly #queue: Received[] = [];
  #wake: (() => void) | undefined;
  #over = false;
  #ended!: () => void;
  /** The consumer has taken the terminal frame. */
  #done = false;

  constructor(grant: Grant, cancel: () => void) {
    this.#grant = grant;
    this.#cancel = cancel;
    this.settled = new Promise((resolve) => (this.#ended = resolve));
    this.result = this.#start();
    // A rejected result nobody awaits yet must not crash the process.
    this.result.catch(() => undefined);
  }

  push(frame: Frame, grant?: Grant): void {
    if (this.#over) return;
    if (frame.t === "end" || frame.t === "error") {
      this.#over = true;
      this.#ended();
    }
    this.#queue.push({ frame, grant });
    this.#wake?.();
  }

  /** The transport lost the sender (runner exit, node gone): the result ends with this error. */
  fail(error: OutpostError): void {
    this.push({ t: "error", error: error.toWire() });
  }

  async #take(): Promise<Received> {
    while (this.#queue.length === 0) await new Promise<void>((resolve) => (this.#wake = resolve));
    this.#wake = undefined;
    return this.#queue.shift()!;
  }

  async #start(): Promise<EngineResult> {
    const { frame } = await this.#take();
    if (frame.t === "error") {
      this.#done = true;
      throw OutpostError.fromWire(frame.error);
    }
    if (frame.t !== "head") throw new OutpostError("INTERNAL", `Expected a head frame, got '${frame.t}'`);
    if (frame.kind === "events") {
      return { kind: "events", events: this.#reader((f) => (f.t === "event" ? f.event : undefined), (error) => ({ type: "error", error })) };
    }
    const chunks = this.#reader(
      (f) => (f.t === "chunk" ? f.data : undefined),
      (error) => {
        throw OutpostError.fromWire(error);
      },
    );
    if (frame.kind === "bytes") return { kind: "bytes", contentType: frame.contentType, chunks };
    const parts: Uint8Array[] = [];
    for await (const part of chunks) parts.push(part);
    return { kind: "json", value: JSON.parse(decoder.decode(Buffer.concat(parts))) };
  }

  /**
   * The data frames as an iterable. Hand-written rather than a generator so that `return()`
   * on a never-read stream still cancels and waits for the sender (a generator would skip it).
   */
  #reader<T>(read: (frame: Frame) => T | undefined, onError: (error: WireError) => T): AsyncIterable<T> {
    let errorTaken = false;
    const iterator: AsyncIterator<T> = {
      next: async () => {
        // After a return() the end is reported only once the sender let go, as return() itself
        // waits: a consumer that read on (one read was in flight when its client left) and took
        // `done` at once freed the slot while the runner still held the engine's sequence.
        if (this.#done) {
          await this.settled;
          return { done: true, value: undefined };
        }
        const { frame, grant } = await this.#take();
        if (frame.t === "end") {
          this.#done = true;
          return { done: true, value: undefined };
        }
        if (frame.t === "error") {
          this.#done = true;
          if (errorTaken) return { done: true, value: undefined };
          errorTaken = true;
          return { done: false, value: onError(frame.error) };
        }
        const value = read(frame);
        if (value === undefined || (frame.t !== "event" && frame.t !== "chunk")) {
          this.#done = true;
          this.#cancel();
          throw new OutpostError("INTERNAL", `Unexpected '${frame.t}' frame in a stream`);
        }
        if (frame.ask) (grant ?? this.#grant)(frame.seq + FLOW_WINDOW_FRAMES);
        return { done: false, value };
      },
      return: async () => {
        if (!this.#over) this.#cancel();
        this.#done = true;
        await this.settled;
        return { done: true, value: undefined };
      },
    };
    return { [Symbol.asyncIterator]: () => iterator };
  }
}
