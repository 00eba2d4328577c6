import type { Msg, NatsConnection, Subscription } from "nats";
import { FrameSender, OutpostError, type EngineJob, type EngineResult, type RunOptions, type SendOutcome } from "../contract/index.js";
import { decode } from "./bus.js";
import { decodeRunRequest, encodeReply } from "./codec.js";
import { CREDIT_STALL_MS, HEARTBEAT_MS, MAX_JOB_BYTES } from "./constants.js";
import { ReplyOutbox } from "./outbox.js";
import { SUBJECTS } from "./subjects.js";
import { retryElsewhere } from "./transport.js";
import type { ControlMessage, RunReply, RunRequest } from "./types.js";

export type ExecuteLocal = (model: string, job: EngineJob, options: RunOptions) => Promise<EngineResult>;

/** Outcome counters of requests this node served for others, for the operations view. */
export interface ServedCounts {
  served: number;
  failed: number;
  cancelled: number;
}

const decoder = new TextDecoder();

/**
 * Serving side of a remote run: accept at once (so a caller can tell a live node from a hung
 * one within its accept timeout; outbox.ts folds the accept into the first frames when they
 * come soon), pull a large job from the caller, heartbeat while queued or prefilling, send the
 * result as frames within the caller's credit (contract/frames.ts, as the runner IPC does),
 * and stop the local runner on cancel, on a caller that is gone (no responders on its inbox)
 * or on one that granted no credit for CREDIT_STALL_MS.
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
    let request: RunRequest;
    let inlineJob: Uint8Array;
    try {
      ({ request, job: inlineJob } = decodeRunRequest(msg.data));
    } catch (error) {
      // A caller of another codec version: tell it, rather than leave it waiting for an accept.
      msg.respond(encodeReply({ t: "refuse", error: OutpostError.from(error).toWire(), retry: false }));
      return;
    }
    const controller = new AbortController();
    this.#running.set(request.id, controller);
    const outbox = new ReplyOutbox(
      this.#nc,
      reply,
      (credit) => (credit.cancel ? controller.abort() : sender.grant(credit.upTo)),
      () => controller.abort(),
    );
    // A head frame waits for the first event or chunk: the caller needs both before it answers.
    const sender = new FrameSender((frame) => outbox.push(frame, frame.t === "head"), controller.signal);
    outbox.accept();
    const heartbeat = setInterval(() => {
      if (Date.now() - outbox.lastSentAt >= HEARTBEAT_MS) outbox.push({ t: "hb" });
    }, HEARTBEAT_MS / 2);
    let outcome: SendOutcome = "served";
    try {
      let result: EngineResult;
      try {
        const job = JSON.parse(decoder.decode(request.jobBytes === undefined ? inlineJob : await this.#pullJob(reply, request.jobBytes, controller.signal))) as EngineJob;
        result = await this.#execute(request.model, job, {
          signal: controller.signal,
          keepAliveMs: request.keepAliveMs,
          queueTimeoutMs: request.queueTimeoutMs,
          rejectIfBusy: request.rejectIfBusy,
          context: request.context,
        });
      } catch (thrown) {
        const error = OutpostError.from(thrown);
        outcome = controller.signal.aborted ? "cancelled" : "failed";
        outbox.push({ t: "refuse", error: error.toWire(), retry: retryElsewhere(error) });
        return;
      }
      outcome = await sender.pipe(result);
    } finally {
      clearInterval(heartbeat);
      this.#running.delete(request.id);
      this.counts[outcome] += 1;
    }
  }

  /** Fetches the bytes of a job too large to travel inline from the caller, one FRAME_CHUNK_BYTES piece per request. */
  async #pullJob(reply: string, jobBytes: number, signal: AbortSignal): Promise<Uint8Array> {
    if (jobBytes > MAX_JOB_BYTES) throw new OutpostError("INPUT_TOO_LARGE", `The request is ${jobBytes} bytes; a node takes at most ${MAX_JOB_BYTES}`);
    const job = new Uint8Array(jobBytes);
    for (let offset = 0; offset < jobBytes; ) {
      if (signal.aborted) throw new OutpostError("ABORTED", "The request was cancelled");
      const pull: RunReply = { t: "pull", offset };
      const answer = await this.#nc.request(reply, encodeReply(pull), { timeout: CREDIT_STALL_MS });
      if (answer.data.byteLength === 0 || offset + answer.data.byteLength > jobBytes) throw new OutpostError("INPUT_INVALID", "The caller sent a job that does not match its announced size");
      job.set(answer.data, offset);
      offset += answer.data.byteLength;
    }
    return job;
  }
}
