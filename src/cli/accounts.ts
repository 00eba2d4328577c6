import { parseArgs } from "node:util";
import { listAccounts, openDatabase, parseDuration, queryUsage, setAccountLimits, USAGE_GROUPS, type UsageGroup } from "../accounts/index.js";
import { loadConfig } from "../config/index.js";

const ACCOUNTS_USAGE = `Usage:
  outpost accounts list [--json]
  outpost accounts set <account> [--rate-limit <task-or-model>=<per-minute>]... [--daily-neurons <n>|default]

A rate limit of 0 removes the account's own value (the default table applies again).
Options: --data-dir <dir> (OUTPOST_DATA_DIR). A running server applies changes within 5 s.`;

const USAGE_USAGE = `Usage:
  outpost usage [--account <id>] [--model <id>] [--since 24h|7d|<ISO time>] [--by model|hour|day|account] [--json]

Neurons, requests, errors and tokens from <data-dir>/outpost.db; default: by model, last 24h.`;

/** Columns padded to their widest cell. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

const dataDirOf = (dataDir: string | undefined) => loadConfig(dataDir ? { "data-dir": dataDir } : {}).dataDir;

/** `outpost accounts list|set`: each account's own rate limits and daily neuron allocation. */
export function accounts(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { "rate-limit": { type: "string", multiple: true }, "daily-neurons": { type: "string" }, json: { type: "boolean" }, "data-dir": { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const [sub, id, ...rest] = positionals;
  const rateLimits: Record<string, number> = {};
  for (const entry of values["rate-limit"] ?? []) {
    const [key, value] = [entry.slice(0, entry.lastIndexOf("=")), Number(entry.slice(entry.lastIndexOf("=") + 1))];
    if (!key || !Number.isInteger(value) || value < 0) return fail(`outpost accounts: --rate-limit expects <task-or-model>=<requests per minute>, got '${entry}'`, ACCOUNTS_USAGE);
    rateLimits[key] = value;
  }
  const daily = values["daily-neurons"];
  const dailyNeurons = daily === undefined ? undefined : daily === "default" ? null : Number(daily);
  if (dailyNeurons !== undefined && dailyNeurons !== null && !(Number.isFinite(dailyNeurons) && dailyNeurons >= 0)) return fail(`outpost accounts: --daily-neurons expects a number or 'default', got '${daily}'`, ACCOUNTS_USAGE);
  if (values.help || !(sub === "list" || (sub === "set" && id)) || rest.length > 0 || (sub === "list" && id)) return fail(undefined, ACCOUNTS_USAGE, values.help === true);
  const db = openDatabase(dataDirOf(values["data-dir"]));
  try {
    if (sub === "set") {
      console.log(JSON.stringify(setAccountLimits(db, id!, { rateLimits, dailyNeurons }), null, 2));
      return 0;
    }
    const list = listAccounts(db);
    if (values.json) console.log(JSON.stringify(list, null, 2));
    else if (list.length === 0) console.log("No accounts: `outpost tokens create --account <id>` makes one.");
    else console.log(table([["ACCOUNT", "DAILY NEURONS", "RATE LIMITS (PER MINUTE)"], ...list.map((a) => [a.id, a.dailyNeurons === undefined ? "default" : String(a.dailyNeurons), Object.entries(a.rateLimits).map(([k, v]) => `${k}=${v}`).join(", ") || "default"])]));
    return 0;
  } finally {
    db.close();
  }
}

/** `outpost usage`: the usage table, grouped, as a table or JSON. */
export function usage(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { account: { type: "string" }, model: { type: "string" }, since: { type: "string" }, by: { type: "string" }, json: { type: "boolean" }, "data-dir": { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const by = (values.by ?? "model") as UsageGroup;
  const since = values.since ?? "24h";
  const span = parseDuration(since);
  const from = span !== undefined ? Date.now() - span : Date.parse(since);
  if (values.help || positionals.length > 0 || !USAGE_GROUPS.includes(by) || !Number.isFinite(from)) return fail(undefined, USAGE_USAGE, values.help === true);
  const db = openDatabase(dataDirOf(values["data-dir"]));
  try {
    const { rows } = queryUsage(db, { account: values.account, model: values.model, from: new Date(from).toISOString(), by, page: 1, perPage: 10_000 });
    if (values.json) console.log(JSON.stringify(rows, null, 2));
    else if (rows.length === 0) console.log(`No usage since ${new Date(from).toISOString()}.`);
    else console.log(table([[by.toUpperCase(), "REQUESTS", "ERRORS", "INPUT TOKENS", "OUTPUT TOKENS", "NEURONS"], ...rows.map((r) => [r.key, String(r.requests), String(r.errors), String(r.inputTokens), String(r.outputTokens), r.neurons.toFixed(2)])]));
    return 0;
  } finally {
    db.close();
  }
}

function fail(message: string | undefined, usageText: string, help = false): number {
  if (message) console.error(message);
  (help ? console.log : console.error)(usageText);
  return help ? 0 : 1;
}
