import { join } from "node:path";
import { PROJECT_FILE, readProjectFile } from "../config/index.js";
import { OutpostError } from "../contract/index.js";
import { parseGatewaySettings, type Gateway } from "./settings.js";

/**
 * The gateways of outpost.json in `dir`: `{"gateways": {"<id>": {cacheTtlS, fallbacks, …}}}`.
 * No file or no key is no gateways; a malformed one throws naming the file and the field.
 */
export function loadGatewayFile(dir = process.cwd()): Map<string, Gateway> {
  const file = join(dir, PROJECT_FILE);
  const gateways = new Map<string, Gateway>();
  const table = readProjectFile(dir)?.gateways ?? {};
  if (typeof table !== "object" || table === null || Array.isArray(table)) throw new Error(`${file}: "gateways" must be an object of "<id>": {settings}`);
  for (const [id, settings] of Object.entries(table)) {
    try {
      gateways.set(id, parseGatewaySettings(id, settings));
    } catch (error) {
      throw new Error(`${file}: ${error instanceof OutpostError ? error.message : String(error)}`, { cause: error });
    }
  }
  return gateways;
}
