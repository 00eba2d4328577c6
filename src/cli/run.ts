import { text } from "node:stream/consumers";
import { OutpostError } from "../contract/index.js";
import type { Config } from "../config/index.js";
import { createOutpost } from "./outpost.js";

/** `outpost run <model> [prompt]`: streams tokens to stdout; reads the prompt from stdin if none given. */
export async function run(config: Config, model: string, prompt: string | undefined): Promise<number> {
  const outpost = createOutpost(config);
  const abort = new AbortController();
  process.once("SIGINT", () => abort.abort());
  try {
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
    const e = OutpostError.from(error);
    process.stderr.write(`outpost: ${e.message} (${e.internalCode})\n`);
    return 1;
  } finally {
    outpost.close();
  }
}
