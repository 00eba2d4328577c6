/**
 * Runner process entry point: hosts one engine and one model, and talks to the server over
 * the IPC channel. A native crash here (llama.cpp aborting on a token it cannot map) ends only
 * this process; the server fails the in-flight requests and starts a new runner.
 */
import { OutpostError } from "../contract/index.js";
import { LlamaEngine, type LoadedModel } from "../engines/index.js";
import type { FromRunner, ToRunner } from "./protocol.js";

interface Active {
  abort: AbortController;
  credit: number;
  /** Resolves when credit arrives while the stream is paused. */
  resume?: () => void;
}

const engine = new LlamaEngine();
let model: LoadedModel | undefined;
const active = new Map<number, Active>();

function send(message: FromRunner): void {
  process.send?.(message);
}

async function stream(id: number, job: Extract<ToRunner, { type: "run" }>["job"], state: Active): Promise<void> {
  if (!model) throw new OutpostError("INTERNAL", "No model is loaded in this runner");
  if (job.kind === "embed") {
    send({ type: "embedded", id, value: await model.embed(job, state.abort.signal) });
    return;
  }
  for await (const event of model.generate(job, state.abort.signal)) {
    if (event.type === "token") {
      while (state.credit <= 0 && !state.abort.signal.aborted) {
        await new Promise<void>((resolve) => (state.resume = resolve));
      }
      if (state.abort.signal.aborted) continue;
      state.credit -= 1;
      send({ type: "token", id, text: event.text });
    } else if (event.type === "done") {
      send({ type: "done", id, usage: event.usage, finishReason: event.finishReason });
    }
  }
}

process.on("message", (message: ToRunner) => {
  switch (message.type) {
    case "load":
      engine.load(message.options).then(
        (loaded) => {
          model = loaded;
          send({ type: "loaded", info: loaded.info });
        },
        (error: unknown) => send({ type: "load-failed", error: OutpostError.from(error).toWire() }),
      );
      return;
    case "run": {
      const state: Active = { abort: new AbortController(), credit: message.credit };
      active.set(message.id, state);
      stream(message.id, message.job, state)
        .catch((error: unknown) => send({ type: "error", id: message.id, error: OutpostError.from(error).toWire() }))
        .finally(() => active.delete(message.id));
      return;
    }
    case "credit": {
      const state = active.get(message.id);
      if (!state) return;
      state.credit += message.credit;
      state.resume?.();
      return;
    }
    case "cancel": {
      const state = active.get(message.id);
      state?.abort.abort();
      state?.resume?.();
      return;
    }
  }
});

// The server owns this process: when the IPC channel closes, there is no one left to serve.
process.on("disconnect", () => process.exit(0));
