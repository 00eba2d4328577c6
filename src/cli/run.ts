import { text } from "node:stream/consumers";
import { OutpostError } from "../contract/index.js";
import type { Config } from "../config/index.js";
import { reportFailure } from "./report.js";
import { createOutpost, type Outpost } from "./outpost.js";
import { pullModel } from "./pull.js";

/**
 * At a terminal, a model that is not local is pulled first (with progress), as `ollama run`
 * does, through the same deduplicated pull as `outpost pull`. The HTTP API never pulls on a
 * request: a run call would hang for minutes with no progress, and any client could fill the
 * disk; it answers MODEL_NOT_LOCAL and `POST /api/pull` is the explicit way.
 */
async function pullIfMissing(outpost: Outpost, model: string): Promise<void> {
  const entry = outpost.catalog.find(outpost.catalog.resolve(model));
  if (!entry?.artifact) return;
  try {
    await outpost.store.resolve(entry);
  } catch (error) {
    if (!(error instanceof OutpostError && error.code === "MODEL_NOT_LOCAL")) throw error;
    await pullModel(outpost, model, process.stderr);
  }
}

/** `outpost run <model> [prompt]`: streams tokens to stdout; reads the prompt from stdin if none given. */
export async function run(config: Config, model: string, prompt: string | undefined): Promise<number> {
  const outpost = createOutpost(config);
  const abort = new AbortController();
  process.once("SIGINT", () => {
    abort.abort();
    outpost.store.close();
  });
  try {
    await pullIfMissing(outpost, model);
    const input = prompt ?? (await text(process.stdin)).trim();
    const result = await outpost.run(model, { prompt: input, stream: true }, { signal: abort.signal });
    if (result.kind !== "events") throw new OutpostError("INPUT_INVALID", `${model} is not a text-generation model`);
    for await (const event of result.events) {
      if (event.type === "token") process.stdout.write(event.text);
      else if (event.type === "error") throw OutpostError.fromWire(event.error);
    }
    process.stdout.write("\n");
    return 0;
  } catch (error) {
    return reportFailure(error);
  } finally {
    outpost.close();
  }
}
