import { createInbox, type Msg, type NatsConnection, type Subscription } from "nats";
import { OutpostError, type EngineJob, type EngineResult, type ErrorCode, type RunEvent, type RunOptions, type WireError } from "../contract/index.js";
import { decode, encode } from "./bus.js";
import { ACCEPT_TIMEOUT_MS, CREDIT_WINDOW, IDLE_TIMEOUT_MS, MAX_MESSAGE_BYTES } from "./constants.js";
import { SUBJECTS } from "./subjects.js";
import type { ControlMessage, CreditGrant, RunReply, RunRequest } from "./types.js";

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

type Item = { reply: RunReply; respond?: (grant: CreditGrant) => void };

interface Call {
  node: string;
  queue: Item[];
  wake: (() => void) | undefined;
  accepted: boolean;
  lastHeardAt: number;
  /** Set when the node went silent, said nothing is listening, or the caller aborted. */
  failure: { message: string; hung: boolean; aborted?: boolean } | undefined;
}

export interface RemoteTarget {
  node: string;
  city: string;
  rttMs?: number;
}

/**
 * Caller side of a remote run. One wildcard inbox subscription serves every call of this node;
 * a call resolves only once the node produced its first event or result, so anything that goes
 * wrong before that (no accept in time, silence, refusal) is a RetryableError and the request
 * moves on with nothing sent to the client yet.
 */
export class RemoteCaller {
  readonly #nc: NatsConnection;
  readonly #prefix = createInbox();
  readonly #calls = new Map<string, Call>();
  readonly #subscription: Subscription;
  readonly #watchdog: NodeJS.Timeout;
  #nextId = 0;

  constructor(nc: NatsConnection) {
    this.#nc = nc;
    this.#subscription = nc.subscribe(`${this.#prefix}.*`, { callback: (_err, msg) => this.#dispatch(msg) });
    this.#watchdog = setInterval(() => this.#check(), 50);
    this.#watchdog.unref();
  }

  async call(target: RemoteTarget, model: string, job: EngineJob, options: RunOptions): Promise<EngineResult> {
    const id = `${++this.#nextId}`;
    const request: RunRequest = { id, model, job, keepAliveMs: options.keepAliveMs, queueTimeoutMs: options.queueTimeoutMs, rejectIfBusy: options.rejectIfBusy, credit: CREDIT_WINDOW };
    const payload = encode(request);
    if (payload.length > MAX_MESSAGE_BYTES) {
      throw new OutpostError("INPUT_TOO_LARGE", `The request is ${payload.length} bytes, too large to hand to another node (limit ${MAX_MESSAGE_BYTES})`);
    }
    const call: Call = { node: target.node, queue: [], wake: undefined, accepted: false, lastHeardAt: performance.now(), failure: undefined };
    this.#calls.set(id, call);
    const acceptBy = performance.now() + ACCEPT_TIMEOUT_MS + (target.rttMs ?? 0);
    const onAbort = () => this.#fail(call, { message: "The request was cancelled", hung: false, aborted: true });
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const finish = (cancel: boolean) => {
      options.signal?.removeEventListener("abort", onAbort);
      if (!this.#calls.delete(id)) return;
      if (cancel) this.#nc.publish(SUBJECTS.control(target.node), encode({ t: "cancel", id } satisfies ControlMessage));
    };
    this.#nc.publish(SUBJECTS.run(target.node), payload, { reply: `${this.#prefix}.${id}` });
    try {
      const first = await this.#next(call, acceptBy);
      switch (first.reply.t) {
        case "err": {
          const error = OutpostError.fromWire(first.reply.error);
          finish(false);
          if (first.reply.retry) throw new RetryableError(`${target.node} in ${target.city}: ${error.message}`, false);
          throw error;
        }
        case "json":
          finish(false);
          return { kind: "json", value: first.reply.value };
        case "ev":
          return { kind: "events", events: this.#events(call, first, target, finish) };
        default:
          throw new OutpostError("INTERNAL", `Unexpected reply '${first.reply.t}' from ${target.node}`);
      }
    } catch (error) {
      finish(call.accepted);
      if (call.failure?.aborted) throw new OutpostError("ABORTED", "The request was cancelled");
      throw error;
    }
  }

  close(): void {
    clearInterval(this.#watchdog);
    this.#subscription.unsubscribe();
    for (const call of this.#calls.values()) this.#fail(call, { message: "This node is shutting down", hung: false });
  }

  async *#events(call: Call, first: Item, target: RemoteTarget, finish: (cancel: boolean) => void): AsyncIterable<RunEvent> {
    let ended = false;
    try {
      let item: Item | undefined = first;
      while (true) {
        if (!item) {
          try {
            item = await this.#next(call, Infinity);
          } catch (error) {
            ended = true;
            const lost = error instanceof RetryableError ? `Lost contact with node ${target.node} in ${target.city} mid-stream: ${error.message}` : String(error);
            const wire: WireError = call.failure?.aborted ? { code: "ABORTED", message: "The request was cancelled" } : { code: "RUNNER_CRASHED", message: lost };
            yield { type: "error", error: wire };
            return;
          }
        }
        const { reply, respond } = item;
        item = undefined;
        respond?.({ upTo: reply.t === "ev" ? reply.seq + CREDIT_WINDOW : 0 });
        if (reply.t === "err") {
          ended = true;
          yield { type: "error", error: reply.error };
          return;
        }
        if (reply.t !== "ev") continue;
        if (reply.ev.type !== "token") ended = true;
        yield reply.ev;
        if (ended) return;
      }
    } finally {
      finish(!ended);
    }
  }

  /** The next event-bearing item; heartbeats and accepts only refresh the watchdog. */
  #next(call: Call, acceptBy: number): Promise<Item> {
    return new Promise<Item>((resolve, reject) => {
      const attempt = () => {
        const item = call.queue.shift();
        if (item) return resolve(item);
        if (call.failure) return reject(new RetryableError(call.failure.message, call.failure.hung));
        if (!call.accepted && performance.now() > acceptBy) {
          return reject(new RetryableError(`no accept within ${Math.round(acceptBy - call.lastHeardAt)} ms`, true));
        }
        call.wake = attempt;
      };
      call.wake = undefined;
      attempt();
    });
  }

  #dispatch(msg: Msg): void {
    const id = msg.subject.slice(this.#prefix.length + 1);
    const call = this.#calls.get(id);
    if (!call) {
      // A node that resumed after being given up on: tell it to stop.
      if (msg.reply) msg.respond(encode({ upTo: 0, cancel: true } satisfies CreditGrant));
      return;
    }
    call.lastHeardAt = performance.now();
    if (msg.headers?.code === 503) {
      this.#fail(call, { message: "node not listening (no responders)", hung: false });
      return;
    }
    let reply: RunReply;
    try {
      reply = decode<RunReply>(msg.data);
    } catch {
      return;
    }
    if (reply.t === "accept") call.accepted = true;
    if (reply.t === "ev" || reply.t === "err" || reply.t === "json") {
      call.queue.push({ reply, respond: msg.reply ? (grant) => msg.respond(encode(grant)) : undefined });
    }
    this.#wake(call);
  }

  #check(): void {
    const now = performance.now();
    for (const call of this.#calls.values()) {
      if (call.accepted && !call.failure && now - call.lastHeardAt > IDLE_TIMEOUT_MS) {
        this.#fail(call, { message: `silent for ${IDLE_TIMEOUT_MS} ms`, hung: true });
      } else if (!call.accepted) {
        this.#wake(call);
      }
    }
  }

  #fail(call: Call, failure: NonNullable<Call["failure"]>): void {
    call.failure ??= failure;
    this.#wake(call);
  }

  #wake(call: Call): void {
    const wake = call.wake;
    call.wake = undefined;
    wake?.();
  }
}
