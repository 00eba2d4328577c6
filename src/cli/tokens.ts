import { parseArgs } from "node:util";
import { openDatabase, parseDuration, TokenStore } from "../accounts/index.js";
import { loadConfig } from "../config/index.js";
import { SCOPES, type Scope, type TokenInfo } from "../contract/index.js";
import { table } from "./accounts.js";

const USAGE = `Usage:
  outpost tokens create --account <id> --scope run|read|admin [--models <glob>]... [--expires 30d|12h|90m] [--name <text>]
  outpost tokens list [--json]
  outpost tokens revoke <token-id>

Options: --data-dir <dir> (OUTPOST_DATA_DIR), the database is <data-dir>/outpost.db.`;

function tokenTable(tokens: TokenInfo[]): string {
  const rows = tokens.map((t) => [t.id, t.account, t.scope, t.models.join(",") || "*", t.name, t.createdAt.slice(0, 19) + "Z", t.revokedAt ? `revoked ${t.revokedAt.slice(0, 10)}` : t.expiresAt ? `expires ${t.expiresAt.slice(0, 19)}Z` : "active"]);
  return table([["ID", "ACCOUNT", "SCOPE", "MODELS", "NAME", "CREATED", "STATE"], ...rows]);
}

/** `outpost tokens create|list|revoke`: API tokens in the data dir's database. */
export function tokens(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      account: { type: "string" },
      scope: { type: "string" },
      models: { type: "string", multiple: true },
      expires: { type: "string" },
      name: { type: "string" },
      json: { type: "boolean" },
      "data-dir": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [sub, ...rest] = positionals;
  if (values.help || !sub) {
    console.log(USAGE);
    return values.help ? 0 : 1;
  }
  const config = loadConfig(values["data-dir"] ? { "data-dir": values["data-dir"] } : {});
  const db = openDatabase(config.dataDir);
  try {
    const store = new TokenStore({ db });
    switch (sub) {
      case "create": {
        const expiresInMs = values.expires === undefined ? undefined : parseDuration(values.expires);
        if (!values.account || !SCOPES.includes(values.scope as Scope) || (values.expires !== undefined && expiresInMs === undefined) || rest.length > 0) {
          console.error(USAGE);
          return 1;
        }
        const { token, info } = store.create({ account: values.account, scope: values.scope as Scope, models: values.models, name: values.name, expiresInMs });
        console.error(`Created ${info.id} for account ${info.account}, scope ${info.scope}${info.expiresAt ? `, expires ${info.expiresAt}` : ""}. It is shown only now: store it safely.`);
        console.log(token);
        return 0;
      }
      case "list": {
        const list = store.list();
        console.log(values.json ? JSON.stringify(list, null, 2) : list.length ? tokenTable(list) : "No tokens: the server is open to loopback only.");
        return 0;
      }
      case "revoke": {
        if (rest.length !== 1) {
          console.error(USAGE);
          return 1;
        }
        if (!store.revoke(rest[0]!)) {
          console.error(`outpost tokens revoke: no active token ${rest[0]}`);
          return 1;
        }
        console.log(`Revoked ${rest[0]}`);
        return 0;
      }
      default:
        console.error(`outpost tokens: unknown subcommand '${sub}'\n\n${USAGE}`);
        return 1;
    }
  } finally {
    db.close();
  }
}
