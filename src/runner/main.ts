/**
 * Runner process entry point: hosts one engine and one model, and talks to the server over
 * the IPC channel (its heartbeats over a pipe of their own: runner/heartbeat.ts). A native
 * crash here (llama.cpp aborting on a token it cannot map) ends only this process; the server
 * fails the in-flight requests and starts a new runner. The engine is imported only when the
 * server names it, so a runner loads only its model's engine.
 */
import { FrameSender, OutpostError, type Engine, type Frame, type LoadedModel } from "../contract/index.js";
import { loadConfig } from "../config/index.js";
import { createEngine } from "../engines/index.js";
import { Heartbeat } from "./heartbeat.js";
import type { FromRunner, ToRunner } from "./protocol.js";

let model: LoadedModel | undefined;
const engines = new Map<string, Promise<Engine>>();
const active = new Map<number, { abort: AbortController; sender: FrameSender }>();
// The server's run timeout comes in this process's environment (config's runnerEnvironment).
const heartbeat = new Heartbeat(loadConfig().runTimeoutMs);

function send(message: FromRunner): void {
  process.send?.(message);
}

/** Frames of every job, waiting to leave together in one IPC message. */
let outbox: { id: number; frame: Frame }[] = [];

/**
 * Queues a frame for the next flush. A pipe write and its serialisation cost about 50 µs, and
 * made right away they sat between two tokens: node-llama-cpp starts a sequence's next decode
 * from a setImmediate queued only after the token was handed out. Flushing one loop turn
 * later lets that decode start first, so the write runs beside it, and all the frames that
 * turn made (every sequence of a batch) share one message.
 *
 * A job's last frame leaves at once, with whatever is queued: onnxruntime-node runs a session
 * synchronously inside a setImmediate, so a deferred flush held a finished answer behind the
 * whole compute of the next queued job (a resnet-50 inference, a decoder step). That is one
 * write per request, not per token.
 */
function sendFrame(id: number, frame: Frame): void {
  if (outbox.length === 0) setImmediate(() => setImmediate(flush));
  outbox.push({ id, frame });
  if (frame.t === "end" || frame.t === "error") flush();
}

function flush(): void {
  if (outbox.length === 0) return;
  const frames = outbox;
  outbox = [];
  send({ type: "frames", frames });
}

/** The engine by name, created once: by a spare's `prepare`, or by the load that needs it. */
function engine(name: string): Promise<Engine> {
  let created = engines.get(name);
  if (!created) {
    created = createEngine(name);
    engines.set(name, created);
    void created.then(report, () => undefined);
  }
  return created;
}

/** Tells the server what `created` computes on; engines that never use a GPU say nothing. */
async function report(created: Engine): Promise<void> {
  const compute = await created.compute?.().catch(() => undefined);
  if (compute) send({ type: "compute", report: compute });
}

async function load(message: Extract<ToRunner, { type: "load" }>): Promise<void> {
  // A spare was started before its model was known: `ps` and /proc name the model from now on.
  process.title = `outpost-runner ${message.options.model.id}`;
  const loading = heartbeat.begin("load");
  try {
    const loaded = await engine(message.options.model.engine);
    model = await loaded.load(message.options);
    send({ type: "loaded", info: model.info });
    void report(loaded);
  } finally {
    loading();
  }
}

function run(id: number, job: unknown): void {
  const abort = new AbortController();
  const sender = new FrameSender((frame) => sendFrame(id, frame), abort.signal);
  active.set(id, { abort, sender });
  // Begun before the engine is called: it may compute synchronously before returning.
  const running = heartbeat.begin("job");
  const served = model ? model.run(job, abort.signal) : Promise.reject(new OutpostError("INTERNAL", "No model is loaded in this runner"));
  served
    .then((result) => sender.pipe(result), (error: unknown) => sender.fail(error))
    .finally(() => {
      active.delete(id);
      running();
    });
}

process.on("message", (message: ToRunner) => {
  switch (message.type) {
    case "prepare": {
      // Creating an engine counts as a load: getLlama probes the GPU backends in native code,
      // which can block this thread for seconds. A failure here is the load's to report, when a
      // model is named; one that never ends is the load timeout's, once the spare is taken.
      const preparing = heartbeat.begin("load");
      engine(message.engine)
        .then(
          () => send({ type: "prepared", ok: true }),
          () => send({ type: "prepared", ok: false }),
        )
        .finally(preparing);
      return;
    }
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
    case "compute":
      for (const created of engines.values()) void created.then(report, () => undefined);
      return;
  }
});

// The server owns this process: when the IPC channel closes, there is no one left to serve.
process.on("disconnect", () => process.exit(0));
