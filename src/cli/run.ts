import { text } from "node:stream/consumers";
import { OutpostError } from "../contract/index.js";
import type { Config } from "../config/index.js";
import { reportFailure } from "./report.js";
import { createOutpost, type Outpost } from "./outpost.js";
import { requireKnownModel } from "./known-model.js";
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

/** `outpost run`'s own options; unset ones take the model's defaults. */
export interface RunFlags {
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  /** A system message: the request becomes chat messages instead of a plain prompt. */
  system?: string;
  /** Print the whole result object (`response`, `usage`) instead of streaming the text. */
  json?: boolean;
}

/** `outpost run <model> [prompt]`: streams tokens to stdout; reads the prompt from stdin if none given. */
export async function run(config: Config, model: string, prompt: string | undefined, flags: RunFlags = {}): Promise<number> {
  const outpost = createOutpost(config);
  const abort = new AbortController();
  process.once("SIGINT", () => {
    abort.abort();
    outpost.store.close();
  });
  try {
    requireKnownModel(outpost, model);
    await pullIfMissing(outpost, model);
    const input = prompt ?? (await text(process.stdin)).trim();
    const inputs = {
      ...(flags.system === undefined ? { prompt: input } : { messages: [{ role: "system", content: flags.system }, { role: "user", content: input }] }),
      ...(flags.maxTokens === undefined ? {} : { max_tokens: flags.maxTokens }),
      ...(flags.temperature === undefined ? {} : { temperature: flags.temperature }),
      ...(flags.seed === undefined ? {} : { seed: flags.seed }),
      stream: !flags.json,
    };
    const result = await outpost.run(model, inputs, { signal: abort.signal });
    if (flags.json) {
      if (result.kind !== "json") throw new OutpostError("INPUT_INVALID", `${model} does not answer with JSON`);
      process.stdout.write(`${JSON.stringify(result.value, null, 2)}\n`);
      return 0;
    }
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
