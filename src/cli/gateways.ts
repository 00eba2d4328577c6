import { parseArgs } from "node:util";
import { openDatabase } from "../accounts/index.js";
import { loadConfig } from "../config/index.js";
import { OutpostError } from "../contract/index.js";
import { GatewayRegistry, loadGatewayFile, parseGatewaySettings, removeGateway, saveGateway, type GatewayInfo, type GatewaySettingsInput } from "../gateway/index.js";
import { table } from "./accounts.js";

const USAGE = `Usage:
  outpost gateways create <id> [--cache-ttl <s>] [--cache-nondeterministic] [--fallback <model>]...
      [--retries <n>] [--retry-delay-ms <ms>] [--backoff constant|linear|exponential] [--request-timeout-ms <ms>]
      [--rate-limit <n>/<seconds>[/sliding]] [--no-logs] [--log-retention-days <d>] [--max-logs <n>]
      [--redact none|inputs|outputs|all] [--replace]
  outpost gateways list [--json]
  outpost gateways rm <id>

A cache TTL is 60 to 2592000 seconds (0: cache only requests that ask with their own TTL).
Options: --data-dir <dir> (OUTPOST_DATA_DIR). A running server sees changes within a second.`;

const int = (flag: string, raw: string | undefined): number | undefined => {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new OutpostError("INPUT_INVALID", `--${flag} expects a non-negative integer, got '${raw}'`);
  return Number(raw);
};

function rateLimit(raw: string | undefined): GatewaySettingsInput["rateLimit"] {
  if (raw === undefined) return undefined;
  const match = /^(\d+)\/(\d+)(?:\/(fixed|sliding))?$/.exec(raw);
  if (!match) throw new OutpostError("INPUT_INVALID", `--rate-limit expects <requests>/<seconds>[/sliding], got '${raw}'`);
  return { limit: Number(match[1]), periodS: Number(match[2]), technique: (match[3] ?? "fixed") as "fixed" | "sliding" };
}

const describe = (g: GatewayInfo) =>
  [
    g.id,
    g.source,
    g.cacheTtlS > 0 ? `${g.cacheTtlS}s${g.cacheNondeterministic ? " (all)" : ""}` : "off",
    g.fallbacks.join(" → ") || "-",
    g.retries.maxAttempts > 1 ? `${g.retries.maxAttempts}× ${g.retries.retryDelayMs}ms ${g.retries.backoff}` : "-",
    g.rateLimit ? `${g.rateLimit.limit}/${g.rateLimit.periodS}s ${g.rateLimit.technique}` : "-",
    g.collectLogs ? `${g.logRetentionDays}d${g.redact === "none" ? "" : `, redact ${g.redact}`}` : "off",
  ];

/** `outpost gateways create|list|rm`: named AI Gateways in the data dir's database. */
export function gateways(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "cache-ttl": { type: "string" },
      "cache-nondeterministic": { type: "boolean" },
      fallback: { type: "string", multiple: true },
      retries: { type: "string" },
      "retry-delay-ms": { type: "string" },
      backoff: { type: "string" },
      "request-timeout-ms": { type: "string" },
      "rate-limit": { type: "string" },
      "no-logs": { type: "boolean" },
      "log-retention-days": { type: "string" },
      "max-logs": { type: "string" },
      redact: { type: "string" },
      replace: { type: "boolean" },
      json: { type: "boolean" },
      "data-dir": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [sub, id, ...rest] = positionals;
  if (values.help || !sub || rest.length > 0 || (sub !== "list" && !id) || (sub === "list" && id)) {
    (values.help ? console.log : console.error)(USAGE);
    return values.help ? 0 : 1;
  }
  const db = openDatabase(loadConfig(values["data-dir"] ? { "data-dir": values["data-dir"] } : {}).dataDir);
  try {
    switch (sub) {
      case "create": {
        const attempts = int("retries", values.retries);
        const settings: GatewaySettingsInput = {
          cacheTtlS: int("cache-ttl", values["cache-ttl"]),
          cacheNondeterministic: values["cache-nondeterministic"],
          collectLogs: values["no-logs"] ? false : undefined,
          logRetentionDays: int("log-retention-days", values["log-retention-days"]),
          maxLogs: int("max-logs", values["max-logs"]),
          redact: values.redact as GatewaySettingsInput["redact"],
          rateLimit: rateLimit(values["rate-limit"]),
          fallbacks: values.fallback,
          retries: attempts === undefined && values["retry-delay-ms"] === undefined && values.backoff === undefined ? undefined : { maxAttempts: attempts ?? 1, retryDelayMs: int("retry-delay-ms", values["retry-delay-ms"]) ?? 0, backoff: (values.backoff ?? "constant") as "constant" },
          requestTimeoutMs: int("request-timeout-ms", values["request-timeout-ms"]),
        };
        const saved = saveGateway(db, parseGatewaySettings(id!, Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined))), values.replace === true);
        console.log(JSON.stringify(saved, null, 2));
        return 0;
      }
      case "list": {
        const list = new GatewayRegistry({ db }, loadGatewayFile()).list();
        if (values.json) console.log(JSON.stringify(list, null, 2));
        else console.log(table([["ID", "SOURCE", "CACHE", "FALLBACKS", "RETRIES", "RATE LIMIT", "LOGS"], ...list.map(describe)]));
        return 0;
      }
      case "rm":
        if (!removeGateway(db, id!)) {
          console.error(`outpost gateways rm: no gateway ${id} in the database${loadGatewayFile().has(id!) ? " (it is defined in outpost.json: edit that file)" : ""}`);
          return 1;
        }
        console.log(`Removed ${id}`);
        return 0;
      default:
        console.error(`outpost gateways: unknown subcommand '${sub}'\n\n${USAGE}`);
        return 1;
    }
  } catch (error) {
    if (!(error instanceof OutpostError)) throw error;
    console.error(`outpost gateways ${sub}: ${error.message}`);
    return 1;
  } finally {
    db.close();
  }
}
