/**
 * Runner process entry point: hosts one engine and one model, and talks to the server over
 * the IPC channel. A native crash here (llama.cpp aborting on a token it cannot map) ends only
 * this process; the server fails the in-flight requests and starts a new runner. The engine is
 * imported only when the server names it, so a runner loads only its model's engine.
 */
import { FrameSender, OutpostError, type LoadedModel } from "../contract/index.js";
import { createEngine } from "../engines/index.js";
import { HEARTBEAT_INTERVAL_MS, type FromRunner, type ToRunner } from "./protocol.js";

let model: LoadedModel | undefined;
const active = new Map<number, { abort: AbortController; sender: FrameSender }>();

function send(message: FromRunner): void {
  process.send?.(message);
}

async function load(message: Extract<ToRunner, { type: "load" }>): Promise<void> {
  const engine = await createEngine(message.options.model.engine);
  model = await engine.load(message.options);
  send({ type: "loaded", info: model.info });
}

function run(id: number, job: unknown): void {
  const abort = new AbortController();
  const sender = new FrameSender((frame) => send({ type: "frame", id, frame }), abort.signal);
  active.set(id, { abort, sender });
  const served = model ? model.run(job, abort.signal) : Promise.reject(new OutpostError("INTERNAL", "No model is loaded in this runner"));
  served
    .then((result) => sender.pipe(result), (error: unknown) => sender.fail(error))
    .finally(() => active.delete(id));
}

process.on("message", (message: ToRunner) => {
  switch (message.type) {
    case "load":
      load(message).catch((error: unknown) => send({ type: "load-failed", error: OutpostError.from(error).toWire() }));
      return;
    case "run":
      run(message.id, message.job);
      return;
    case "grant":
      active.get(message.id)?.sender.grant(message.upTo);
      return;
    case "cancel":
      active.get(message.id)?.abort.abort(message.reason ? OutpostError.fromWire(message.reason) : undefined);
      return;
  }
});

// Sent from the event loop, so a runner stopped or stuck in native code falls silent and is killed.
setInterval(() => send({ type: "heartbeat" }), HEARTBEAT_INTERVAL_MS).unref();

// The server owns this process: when the IPC channel closes, there is no one left to serve.
process.on("disconnect", () => process.exit(0));
