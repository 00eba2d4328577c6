import { readFile } from "node:fs/promises";
import { buffer } from "node:stream/consumers";
import { OutpostError, type TaskId } from "../contract/index.js";
import type { Outpost } from "./outpost.js";

/** The tasks whose `outpost run` argument is an image file. */
export const IMAGE_TASKS: ReadonlySet<TaskId> = new Set(["image-to-text", "image-classification", "object-detection"]);

/** What `outpost run` passes on to an image-to-text model. */
export interface LookFlags {
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  json?: boolean;
}

/**
 * The vision tasks: the argument is an image file (stdin if omitted). Image-to-text prints the
 * description, or with --json the whole answer; labels and boxes are printed as JSON.
 */
export async function look(outpost: Outpost, model: string, task: TaskId, file: string | undefined, flags: LookFlags, signal: AbortSignal): Promise<number> {
  const bytes = file === undefined ? await buffer(process.stdin) : await readFile(file);
  const image = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const options =
    task === "image-to-text"
      ? {
          ...(flags.maxTokens === undefined ? {} : { max_tokens: flags.maxTokens }),
          ...(flags.temperature === undefined ? {} : { temperature: flags.temperature }),
          ...(flags.seed === undefined ? {} : { seed: flags.seed }),
        }
      : {};
  const result = await outpost.run(model, { image, ...options }, { signal });
  if (result.kind !== "json") throw new OutpostError("INTERNAL", `${model} answered without JSON`);
  const answer = result.value as { description?: string };
  process.stdout.write(task === "image-to-text" && !flags.json ? `${answer.description}\n` : `${JSON.stringify(answer, null, 2)}\n`);
  return 0;
}
