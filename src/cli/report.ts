import { OutpostError } from "../contract/index.js";

/** Prints a command's failure as `outpost: <message> (<code>)` on stderr; returns the exit code 1. */
export function reportFailure(error: unknown): number {
  const e = OutpostError.from(error);
  process.stderr.write(`outpost: ${e.message} (${e.internalCode})\n`);
  return 1;
}
