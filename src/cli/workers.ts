import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Catalog } from "../catalog/index.js";
import { parseAliases, type Config } from "../config/index.js";
import { ENGINE_NAMES } from "../engines/index.js";

/** The outpost-ai Worker shipped with the package; the same relative path from dist/cli and src/cli. */
const SHIM_DIR = fileURLToPath(new URL("../../workers/outpost-ai/", import.meta.url));

/** What the app's wrangler config needs in place of `[ai] binding = "AI"`. */
export const SERVICE_BINDING_TOML = `[[services]]
binding = "AI"
service = "outpost-ai"
entrypoint = "OutpostAI"`;

/** The URL the Worker should call: the address `outpost serve` listens on, reachable from this machine. */
function outpostUrl(config: Config): string {
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${config.port}`;
}

/**
 * `outpost workers init [dir]`: writes `<dir>/outpost-ai/` (the shim Worker and its wrangler.toml,
 * pointed at this Outpost's --host/--port) and prints the binding and the `wrangler dev` command.
 * Rewrites the files if they exist, so running it again upgrades the shim.
 */
export function workers(config: Config, args: string[]): number {
  const [sub, dir = "."] = args;
  if (sub !== "init" || args.length > 2) {
    console.error("Usage: outpost workers init [project-dir]");
    return 1;
  }
  if (config.port === 0) {
    console.error("outpost workers init: give the port Outpost serves on (--port or OUTPOST_PORT), not 0");
    return 1;
  }
  // This Worker's aliases, checked against the catalog now rather than at the first request.
  const aliases = parseAliases(config.aliases, "--alias");
  const catalog = new Catalog(ENGINE_NAMES);
  for (const [id, model] of aliases) catalog.alias(id, model);
  const aliasVar = [...aliases].map(([id, model]) => `${id}=${model}`).join(",");
  const target = resolve(dir, "outpost-ai");
  const url = outpostUrl(config);
  const toml = readFileSync(join(SHIM_DIR, "wrangler.toml"), "utf8")
    .replace(/^OUTPOST_URL = .*$/m, `OUTPOST_URL = ${JSON.stringify(url)}`)
    .replace(/^OUTPOST_ALIASES = .*$/m, `OUTPOST_ALIASES = ${JSON.stringify(aliasVar)}`);
  mkdirSync(target, { recursive: true });
  writeFileSync(join(target, "index.js"), readFileSync(join(SHIM_DIR, "index.js")));
  writeFileSync(join(target, "wrangler.toml"), toml);
  const aliasLine = aliases.size > 0 ? `\nAliases (this Worker's OUTPOST_ALIASES): ${[...aliases].map(([id, model]) => `${id} -> ${model}`).join(", ")}.\n` : "";
  console.log(`Wrote ${join(target, "index.js")} and wrangler.toml (OUTPOST_URL = ${url}).
${aliasLine}

In the app's wrangler.toml, replace \`[ai] binding = "AI"\` with:

${SERVICE_BINDING_TOML}

(wrangler.jsonc: "services": [{ "binding": "AI", "service": "outpost-ai", "entrypoint": "OutpostAI" }])

Then, with \`outpost serve\` running, from the app's folder:

  npx wrangler dev -c wrangler.toml -c outpost-ai/wrangler.toml`);
  return 0;
}
