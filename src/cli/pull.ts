import { OutpostError } from "../contract/index.js";
import type { Config } from "../config/index.js";
import { suggestModel } from "./known-model.js";
import { reportFailure } from "./report.js";
import { createOutpost, type Outpost } from "./outpost.js";
import { formatBytes, showPull } from "./progress.js";

/** Pulls one model with progress on stderr, then says what was stored on `summary`. */
export async function pullModel(outpost: Outpost, model: string, summary: NodeJS.WritableStream = process.stdout): Promise<void> {
  const pull = outpost.admin.start(model);
  const [, digest] = await Promise.all([showPull(pull), pull.done]);
  const status = pull.status();
  summary.write(`pulled ${model} (${formatBytes(status.totalBytes ?? status.completedBytes)}, ${digest})\n`);
}

/**
 * `outpost pull <model>…`: into the store, mirror first. Ctrl-C stops it; what was downloaded
 * stays, and the next pull resumes from there.
 */
export async function pull(config: Config, models: string[]): Promise<number> {
  const outpost = createOutpost(config);
  process.once("SIGINT", () => outpost.close());
  try {
    // Names are checked by the store first (hostile ones are refused as such), then suggested.
    for (const model of models) await pullModel(outpost, model).catch((error: unknown) => Promise.reject(suggestModel(outpost, model, error)));
    return 0;
  } catch (error) {
    if (error instanceof OutpostError && error.code === "ABORTED") {
      process.stderr.write("outpost: pull interrupted; run the same command again to resume it\n");
      return 130;
    }
    return reportFailure(error);
  } finally {
    outpost.close();
  }
}
