import { createInbox, type Msg, type NatsConnection, type Subscription } from "nats";
import { FRAME_CHUNK_BYTES, FrameReceiver, OutpostError, tapEvents, type EngineJob, type EngineResult, type ErrorCode, type RunOptions } from "../contract/index.js";
import { encode } from "./bus.js";
import { decodeReplies, encodeGrant, encodeRunRequest } from "./codec.js";
import { IDLE_TIMEOUT_MS } from "./constants.js";
import { SUBJECTS } from "./subjects.js";
import type { ControlMessage, RunReply, RunRequest } from "./types.js";

/**
 * The node could not take the request, or vanished before producing anything: the caller should
 * offer it to the next candidate. `hung` marks nodes that stayed silent (killed or frozen).
 */
export class RetryableError extends Error {
  readonly hung: boolean;
  constructor(message: string, hung: boolean) {
    super(message);
    this.name = "RetryableError";
    this.hung = hung;
  }
}

/** Errors a serving node reports when another node could still serve the request. */
const RETRY_ELSEWHERE: ReadonlySet<ErrorCode> = new Set(["QUEUE_FULL", "MODEL_LOADING", "MODEL_NOT_LOCAL", "ENGINE_UNAVAILABLE"]);

export function retryElsewhere(error: OutpostError): boolean {
  return RETRY_ELSEWHERE.has(error.code);
}

const encoder = new TextEncoder();
/** How often a caller looks for nodes that missed their accept deadline or went silent. */
const WATCHDOG_MS = 50;

interface Call {
  node: string;
  city: string;
  /** Tells the node to stop serving this call. */
  cancel: () => void;
  receiver: FrameReceiver;
  /** The job's bytes, when it is too large to go inline: the node pulls them. */
  upload: Uint8Array | undefined;
  accepted: boolean;
  acceptBy: number;
  lastHeardAt: number;
  /** Set when the node went silent, refused, said nothing is listening, or the caller aborted. */
  failure: { message: string; hung: boolean; aborted?: boolean } | undefined;
}

export interface RemoteCallerOptions {
  /**
   * A node that has not answered a request within this many ms (plus the target's round trip)
   * is taken for hung, and the request is offered elsewhere: nats-server 2.9.10 keeps routing
   * to a SIGSTOPped server's subscriptions (nats-server #4014). OUTPOST_ACCEPT_TIMEOUT_MS.
   */
  acceptTimeoutMs: number;
}

export interface RemoteTarget {
  node: string;
  city: string;
  rttMs?: number;
}

/**
 * Caller side of a remote run. One wildcard inbox subscription serves every call of this node;
 * the node's reply is a result in contract/frames.ts's framing, the same as the runner IPC's,
 * several frames a message (codec.ts, outbox.ts). Any frame but a refusal means the node took
 * the request: a quick answer needs no accept of its own.
 * A call resolves only once the node produced its first event, chunk or whole json value, so
 * anything that goes wrong before that (no accept in time, silence, refusal) is a
 * RetryableError and the request moves on with nothing sent to the client yet.
 */
export class RemoteCaller {
  readonly #nc: NatsConnection;
  readonly #acceptTimeoutMs: number;
  readonly #prefix = createInbox();
  readonly #calls = new Map<string, Call>();
  readonly #subscription: Subscription;
  /** Runs only while calls are in flight: an idle node need not wake every WATCHDOG_MS. */
  #watchdog: NodeJS.Timeout | undefined;
  #nextId = 0;
  #lastCheckAt = performance.now();

  constructor(nc: NatsConnection, options: RemoteCallerOptions) {
    this.#nc = nc;
    this.#acceptTimeoutMs = options.acceptTimeoutMs;
    this.#subscription = nc.subscribe(`${this.#prefix}.*`, { callback: (_err, msg) => this.#dispatch(msg) });
  }

  async call(target: RemoteTarget, model: string, job: EngineJob, options: RunOptions): Promise<EngineResult> {
    const id = `${this.#prefix}.${++this.#nextId}`;
    const jobJson = encoder.encode(JSON.stringify(job));
    const inline = jobJson.byteLength <= FRAME_CHUNK_BYTES;
    const request: RunRequest = {
      id,
      model,
      ...(inline ? {} : { jobBytes: jobJson.byteLength }),
      keepAliveMs: options.keepAliveMs,
      queueTimeoutMs: options.queueTimeoutMs,
      rejectIfBusy: options.rejectIfBusy,
      context: options.context,
    };
    const cancel = () => this.#nc.publish(SUBJECTS.control(target.node), encode({ t: "cancel", id } satisfies ControlMessage));
    // Credit travels in the replies to the frames the node sends as requests, never on its own.
    const receiver = new FrameReceiver(() => undefined, cancel);
    const now = performance.now();
    const call: Call = { node: target.node, city: target.city, cancel, receiver, upload: inline ? undefined : jobJson, accepted: false, acceptBy: now + this.#acceptTimeoutMs + (target.rttMs ?? 0), lastHeardAt: now, failure: undefined };
    this.#calls.set(id, call);
    if (!this.#watchdog) {
      this.#lastCheckAt = now;
      this.#watchdog = setInterval(() => this.#check(), WATCHDOG_MS);
      this.#watchdog.unref();
    }
    const onAbort = () => this.#fail(call, { message: "The request was cancelled", hung: false, aborted: true });
    options.signal?.addEventListener("abort", onAbort, { once: true });
    void receiver.settled.then(() => {
      options.signal?.removeEventListener("abort", onAbort);
      this.#calls.delete(id);
      if (this.#calls.size > 0) return;
      clearInterval(this.#watchdog);
      this.#watchdog = undefined;
    });
    this.#nc.publish(SUBJECTS.run(target.node), encodeRunRequest(request, inline ? jobJson : undefined), { reply: id });
    try {
      const result = await receiver.result;
      if (result.kind === "json") return result;
      if (result.kind === "bytes") return { ...result, chunks: await started(result.chunks, () => false) };
      return { kind: "events", events: await started(result.events, (event) => event.type === "error" && call.failure !== undefined) };
    } catch (error) {
      if (call.failure?.aborted) throw new OutpostError("ABORTED", "The request was cancelled");
      if (call.failure) throw new RetryableError(`${target.node} in ${target.city}: ${call.failure.message}`, call.failure.hung);
      throw error;
    }
  }

  close(): void {
    clearInterval(this.#watchdog);
    this.#subscription.unsubscribe();
    for (const call of this.#calls.values()) this.#fail(call, { message: "This node is shutting down", hung: false });
  }

  #dispatch(msg: Msg): void {
    const call = this.#calls.get(msg.subject);
    if (!call) {
      // A node that resumed after being given up on: tell it to stop.
      if (msg.reply) msg.respond(encodeGrant({ upTo: 0, cancel: true }));
      return;
    }
    call.lastHeardAt = performance.now();
    if (msg.headers?.code === 503) {
      this.#fail(call, { message: "node not listening (no responders)", hung: false });
      return;
    }
    let replies: RunReply[];
    try {
      replies = decodeReplies(msg.data);
    } catch {
      return;
    }
    // A message sent as a request holds a frame that asks for credit; the first such frame the
    // consumer takes answers it (a later one in the same message would only grant less).
    let answered = false;
    const grant = msg.reply
      ? (upTo: number) => {
          if (answered) return;
          answered = true;
          msg.respond(encodeGrant({ upTo }));
        }
      : undefined;
    for (const reply of replies) {
      if (reply.t !== "refuse") call.accepted = true;
      switch (reply.t) {
        case "accept":
        case "hb":
          break;
        case "pull":
          msg.respond(call.upload?.subarray(reply.offset, reply.offset + FRAME_CHUNK_BYTES) ?? new Uint8Array());
          break;
        case "refuse":
          if (reply.retry) this.#fail(call, { message: reply.error.message, hung: false });
          else call.receiver.push({ t: "error", error: reply.error });
          break;
        default:
          call.receiver.push(reply, grant);
      }
    }
  }

  #check(): void {
    const now = performance.now();
    // This process stalled (a loaded machine, a long GC): timers run before pending socket
    // reads, so what the nodes sent meanwhile is not read yet. Judge on the next round.
    const stalled = now - this.#lastCheckAt > 4 * WATCHDOG_MS;
    this.#lastCheckAt = now;
    if (stalled) return;
    for (const call of this.#calls.values()) {
      if (call.failure) continue;
      if (!call.accepted && now > call.acceptBy) this.#fail(call, { message: `no accept within ${Math.round(call.acceptBy - call.lastHeardAt)} ms`, hung: true });
      else if (call.accepted && now - call.lastHeardAt > IDLE_TIMEOUT_MS) this.#fail(call, { message: `silent for ${IDLE_TIMEOUT_MS} ms`, hung: true });
    }
  }

  /** Ends the call's result: before it started, call() turns this into a retry (or ABORTED). */
  #fail(call: Call, failure: NonNullable<Call["failure"]>): void {
    if (call.failure) return;
    call.failure = failure;
    // A node given up on (silent, frozen) may resume: it must not go on serving no one.
    if (call.accepted) call.cancel();
    const lost = failure.aborted ? new OutpostError("ABORTED", "The request was cancelled") : new OutpostError("RUNNER_CRASHED", `Lost contact with node ${call.node} in ${call.city} mid-stream: ${failure.message}`);
    call.receiver.fail(lost);
  }
}

/**
 * Waits for a stream's first item, so a node lost before producing anything can still be
 * retried elsewhere (`lost` tells that case apart), then hands the stream on with that item
 * put back in front.
 */
async function started<T>(source: AsyncIterable<T>, lost: (first: T) => boolean): Promise<AsyncIterable<T>> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  const rest = { [Symbol.asyncIterator]: () => iterator };
  if (first.done) return rest;
  if (lost(first.value)) throw new OutpostError("RUNNER_CRASHED", "The node was lost before it produced anything");
  return tapEvents(rest, {}, first.value);
}
