import type { NatsConnection } from "nats";
import { FRAME_CHUNK_BYTES } from "../contract/index.js";
import { decodeGrant, ReplyWriter } from "./codec.js";
import { ACCEPT_FOLD_MS, CREDIT_STALL_MS } from "./constants.js";
import type { CreditGrant, RunReply } from "./types.js";

/**
 * A serving node's replies to one call, coalesced. Every frame ready in one event-loop turn
 * leaves in one NATS message: setImmediate runs once the turn's I/O callbacks (a runner's IPC
 * read of several frames) and their microtasks are done. The accept and the head frame wait up
 * to ACCEPT_FOLD_MS for a data frame to travel with; any frame tells the caller the node is
 * alive, so the accept is sent only when nothing else came in time. A message holding a frame
 * that asks for credit goes as a request, and the caller's answer is that credit.
 */
export class ReplyOutbox {
  readonly #nc: NatsConnection;
  readonly #subject: string;
  readonly #onCredit: (grant: CreditGrant) => void;
  readonly #onLost: () => void;
  readonly #writer = new ReplyWriter();
  #acceptPending = false;
  #asks = false;
  #immediate: NodeJS.Immediate | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** When the last message left, Date.now(): heartbeats fill silences. */
  lastSentAt = Date.now();

  /** `onLost`: the caller did not answer a credit request within CREDIT_STALL_MS, or is gone. */
  constructor(nc: NatsConnection, subject: string, onCredit: (grant: CreditGrant) => void, onLost: () => void) {
    this.#nc = nc;
    this.#subject = subject;
    this.#onCredit = onCredit;
    this.#onLost = onLost;
  }

  accept(): void {
    this.#acceptPending = true;
    this.#timer ??= setTimeout(() => this.flush(), ACCEPT_FOLD_MS);
  }

  /** `lazy`: the frame may wait up to ACCEPT_FOLD_MS for company (a head frame). */
  push(reply: RunReply, lazy = false): void {
    this.#writer.write(reply);
    if ("ask" in reply && reply.ask) this.#asks = true;
    // Two chunks at most per message: well under nats-server's 1 MiB max_payload.
    if (this.#writer.bytes >= FRAME_CHUNK_BYTES) this.flush();
    else if (lazy) this.#timer ??= setTimeout(() => this.flush(), ACCEPT_FOLD_MS);
    else this.#immediate ??= setImmediate(() => this.flush());
  }

  flush(): void {
    clearTimeout(this.#timer);
    clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
    if (this.#writer.empty) {
      if (!this.#acceptPending) return;
      this.#writer.write({ t: "accept" });
    }
    this.#acceptPending = false;
    const message = this.#writer.take();
    this.lastSentAt = Date.now();
    if (!this.#asks) return this.#nc.publish(this.#subject, message);
    this.#asks = false;
    this.#nc
      .request(this.#subject, message, { timeout: CREDIT_STALL_MS })
      .then((answer) => this.#onCredit(decodeGrant(answer.data)))
      .catch(() => this.#onLost());
  }
}
