import { Worker } from "node:worker_threads";
import { HEARTBEAT_FD, HEARTBEAT_INTERVAL_MS } from "./protocol.js";

/** Slots of the state this thread shares with the heartbeat thread. */
const TICK = 0;
const LOADS = 1;
const JOBS = 2;

/**
 * The heartbeat thread: each interval it writes one byte to the server's heartbeat pipe if this
 * runner's main thread ticked since the last beat, or is inside a load, or inside a job and
 * blocked for less than `blockLimitMs`. Plain CommonJS evaluated in the thread: no module to
 * resolve from src/ or dist/, and no TypeScript loader started in it.
 */
const SOURCE = `
const { workerData } = require("node:worker_threads");
const { writeSync } = require("node:fs");
const { state, fd, intervalMs, blockLimitMs } = workerData;
function beat() {
  try {
    writeSync(fd, Buffer.of(1));
  } catch {
    // No server reads the pipe (it exited, or this runner was not started by one): nothing to tell.
  }
}
// At once: the server allows a runner longer to boot than to fall silent later.
beat();
let tick = Atomics.load(state, ${TICK});
let tickedAt = Date.now();
setInterval(() => {
  const now = Date.now();
  const seen = Atomics.load(state, ${TICK});
  if (seen !== tick) {
    tick = seen;
    tickedAt = now;
  } else if (Atomics.load(state, ${LOADS}) === 0 && !(Atomics.load(state, ${JOBS}) > 0 && now - tickedAt < blockLimitMs)) return;
  beat();
}, intervalMs);
`;

export type Work = "load" | "job";

/**
 * Tells the server this runner is alive, from a thread of its own. onnxruntime-node's
 * `session.run` and session creation, a tfjs pass, llama.cpp's model load: native calls made on
 * the main thread block its event loop for their whole length, and one UNet step of a
 * full-size SD 1.5 at 512² takes over 10 s on 2 cores. Beats sent from the event loop stopped
 * for that long, and the server killed a runner that was only computing. A worker thread goes
 * on while the main thread is blocked, and SIGSTOP stops every thread, so a stopped runner
 * still falls silent. The main thread ticks a shared counter from its own loop, and the worker
 * beats only when the counter moved, or when the main thread is inside a load or a job: a main
 * thread spinning in JavaScript outside them (a bug) falls silent too. A job blocked past
 * `blockLimitMs` (the run timeout: its request has been cancelled, and the runner cannot even
 * hear it) falls silent as well, so a native call that never returns is still killed; a load
 * that never returns is the scheduler's load timeout's. The cost, measured on stories260K
 * beside the old beats: the same runner CPU per token (1.0 ms), 0.3 to 0.9 ms of CPU a second in
 * the idle worker, and about 10 MiB for its V8 isolate.
 */
export class Heartbeat {
  readonly #state = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));

  constructor(blockLimitMs: number) {
    const worker = new Worker(SOURCE, { eval: true, workerData: { state: this.#state, fd: HEARTBEAT_FD, intervalMs: HEARTBEAT_INTERVAL_MS, blockLimitMs } });
    // The IPC channel keeps this process alive, not the heartbeat.
    worker.unref();
    worker.on("error", (error) => console.error(`outpost-runner: the heartbeat thread failed: ${error.message}`));
    // Twice per beat, so that a beat never finds the counter still because of timer jitter.
    setInterval(() => Atomics.add(this.#state, TICK, 1), HEARTBEAT_INTERVAL_MS / 2).unref();
  }

  /** Counts `work` as under way until the returned function is called (once). */
  begin(work: Work): () => void {
    const slot = work === "load" ? LOADS : JOBS;
    Atomics.add(this.#state, slot, 1);
    return () => void Atomics.sub(this.#state, slot, 1);
  }
}
