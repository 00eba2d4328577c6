import type { Msg, NatsConnection, Subscription } from "nats";
import { OutpostError, type EngineJob, type EngineResult, type RunEvent, type RunOptions } from "../contract/index.js";
import { decode, encode } from "./bus.js";
import { CREDIT_STALL_MS, CREDIT_WINDOW, HEARTBEAT_MS } from "./constants.js";
import { SUBJECTS } from "./subjects.js";
import { retryElsewhere } from "./transport.js";
import type { ControlMessage, CreditGrant, RunReply, RunRequest } from "./types.js";

export type ExecuteLocal = (model: string, job: EngineJob, options: RunOptions) => Promise<EngineResult>;

/** Outcome counters of requests this node served for others, for the operations view. */
export interface ServedCounts {
  served: number;
  failed: number;
  cancelled: number;
}

/**
 * Serving side of a remote run: accept at once (so a caller can tell a live node from a hung
 * one within ACCEPT_TIMEOUT_MS), heartbeat while queued or prefilling, stream events within the
 * caller's credit, and stop the local runner on cancel, on a caller that is gone (no responders
 * on its inbox) or on one that granted no credit for CREDIT_STALL_MS.
 */
export class RemoteResponder {
  readonly #nc: NatsConnection;
  readonly #node: string;
  readonly #execute: ExecuteLocal;
  readonly #running = new Map<string, AbortController>();
  readonly #subscriptions: Subscription[] = [];
  readonly counts: ServedCounts = { served: 0, failed: 0, cancelled: 0 };

  constructor(nc: NatsConnection, node: string, execute: ExecuteLocal) {
    this.#nc = nc;
    this.#node = node;
    this.#execute = execute;
  }

  start(): void {
    this.#subscriptions.push(this.#nc.subscribe(SUBJECTS.run(this.#node), { callback: (_err, msg) => void this.#serve(msg) }));
    this.#subscriptions.push(
      this.#nc.subscribe(SUBJECTS.control(this.#node), {
        callback: (_err, msg) => {
          const control = decode<ControlMessage>(msg.data);
          if (control.t === "cancel") this.#running.get(control.id)?.abort();
        },
      }),
    );
  }

  close(): void {
    for (const sub of this.#subscriptions) sub.unsubscribe();
    for (const controller of this.#running.values()) controller.abort();
  }

  async #serve(msg: Msg): Promise<void> {
    const reply = msg.reply;
    if (!reply) return;
    const request = decode<RunRequest>(msg.data);
    const controller = new AbortController();
    this.#running.set(request.id, controller);
    let lastSentAt = Date.now();
    const send = (message: RunReply) => {
      lastSentAt = Date.now();
      this.#nc.publish(reply, encode(message));
    };
    send({ t: "accept" });
    const heartbeat = setInterval(() => {
      if (Date.now() - lastSentAt >= HEARTBEAT_MS) send({ t: "hb" });
    }, HEARTBEAT_MS / 2);
    let outcome: keyof ServedCounts = "served";
    try {
      let result: EngineResult;
      try {
        result = await this.#execute(request.model, request.job, {
          signal: controller.signal,
          keepAliveMs: request.keepAliveMs,
          queueTimeoutMs: request.queueTimeoutMs,
          rejectIfBusy: request.rejectIfBusy,
        });
      } catch (thrown) {
        const error = OutpostError.from(thrown);
        outcome = controller.signal.aborted ? "cancelled" : "failed";
        send({ t: "err", error: error.toWire(), retry: retryElsewhere(error) });
        return;
      }
      if (result.kind === "json") {
        send({ t: "json", value: result.value });
        return;
      }
      if (result.kind === "bytes") {
        send({ t: "err", error: { code: "ENGINE_UNAVAILABLE", message: "Byte results cannot cross NATS yet" } });
        return;
      }
      outcome = await this.#stream(request, reply, result.events, controller, send);
    } finally {
      clearInterval(heartbeat);
      this.#running.delete(request.id);
      this.counts[outcome] += 1;
    }
  }

  async #stream(request: RunRequest, reply: string, events: AsyncIterable<RunEvent>, controller: AbortController, send: (message: RunReply) => void): Promise<keyof ServedCounts> {
    let granted = request.credit;
    let seq = 0;
    let creditChanged: (() => void) | undefined;
    const grant = (upTo: number) => {
      granted = Math.max(granted, upTo);
      creditChanged?.();
    };
    const onAbort = () => creditChanged?.();
    controller.signal.addEventListener("abort", onAbort);
    try {
      for await (const event of events) {
        seq += 1;
        while (seq > granted && !controller.signal.aborted) await new Promise<void>((resolve) => (creditChanged = resolve));
        if (controller.signal.aborted) return "cancelled";
        const message: RunReply = { t: "ev", seq, ev: event };
        if (seq % (CREDIT_WINDOW / 2) === 0 && event.type === "token") {
          // Sent as a request: the caller answers once it consumed this event, granting more.
          this.#nc
            .request(reply, encode(message), { timeout: CREDIT_STALL_MS })
            .then((answer) => {
              const credit = decode<CreditGrant>(answer.data);
              if (credit.cancel) controller.abort();
              else grant(credit.upTo);
            })
            .catch(() => controller.abort());
        } else {
          send(message);
        }
        if (event.type !== "token") return event.type === "error" ? "failed" : "served";
      }
      return controller.signal.aborted ? "cancelled" : "served";
    } finally {
      controller.signal.removeEventListener("abort", onAbort);
    }
  }
}
