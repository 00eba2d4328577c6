import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { OutpostError } from "../contract/index.js";
import type { Opened, Source } from "./source.js";

/**
 * A local file: a mirror directory's copy, or the file given to `outpost models add`. Its
 * label names it without the server's directories, since pull errors and progress reach clients.
 */
export class FileSource implements Source {
  readonly label: string;
  readonly #path: string;

  constructor(path: string, label: string) {
    this.#path = path;
    this.label = label;
  }

  async open(offset: number, validator: string | undefined): Promise<Opened> {
    const info = await stat(this.#path).catch((error: unknown) => {
      // Node's message names the path again; its code is the part the label lacks.
      throw new OutpostError("PULL_FAILED", `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
    });
    if (!info.isFile()) throw new OutpostError("PULL_FAILED", "is not a regular file");
    const current = `${info.size}-${info.mtimeMs}`;
    // Resume only from the same, unchanged file, as If-Range does over HTTP.
    const start = offset <= info.size && (validator === undefined || validator === current) ? offset : 0;
    const stream = createReadStream(this.#path, { start });
    return { start, totalBytes: info.size, validator: current, body: stream, cancel: async () => void stream.destroy() };
  }
}
