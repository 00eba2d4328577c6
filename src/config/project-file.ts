import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The project file Outpost reads from the working directory: `{"aliases": {"<id>": "<model>"}, "plugins": […]}`. */
export const PROJECT_FILE = "outpost.json";

/** `outpost.json` in `dir` parsed, or undefined when there is none; throws naming the file when it is not JSON. */
export function readProjectFile(dir: string): Record<string, unknown> | undefined {
  const file = join(dir, PROJECT_FILE);
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file}: not JSON (${(error as Error).message})`, { cause: error });
  }
  return parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
}
