import { parseArgs } from "node:util";
import { describeSettings, flagName, loadConfig, REPEATABLE_SETTINGS, SETTINGS, type SettingName } from "../config/index.js";
import { models, modelsAdd } from "./models.js";
import { network, publishModel } from "./network.js";
import { pull } from "./pull.js";
import { rm } from "./rm.js";
import { run } from "./run.js";
import { serve } from "./serve.js";
import { tokens } from "./tokens.js";
import { accounts, usage } from "./accounts.js";
import { workers } from "./workers.js";

const USAGE = `Usage: outpost <command> [options]

Commands:
  serve                     Start the HTTP server (Workers AI REST, OpenAI, binding proxy)
  run <model> [prompt]      Stream a completion to the terminal (prompt from stdin if omitted)
  models                    List the model catalog and what is available locally
  pull <model>...           Download models into the data dir (mirror first), resumably
  rm <model>...             Delete pulled models (and forget custom ones)
  models add <name> <file-or-url> --task <task> [--template <t>] [--context-tokens <n>]
                            Register a custom GGUF under a name that run and the API accept
  workers init [dir]        Write the outpost-ai Worker into a project: env.AI for wrangler dev
  models publish <model>    Put a model's file into the network's object store (--nats)
  network [--json]          Cities, nodes, models, load and health of the network (--nats)
  tokens create|list|revoke API tokens: outpost tokens --help
  accounts list|set         Per-account rate limits and daily neurons: outpost accounts --help
  usage                     Neurons and requests by model, hour, day or account: outpost usage --help

Run 'outpost <command> --help' for its options.`;

function settingsHelp(): string {
  const rows = describeSettings();
  const width = Math.max(...rows.map((r) => `${r.flag} <value>`.length));
  return rows.map((r) => `  ${`${r.flag} <value>`.padEnd(width)}  ${r.description}\n  ${"".padEnd(width)}  env ${r.env}, default ${r.default || "(none)"}`).join("\n");
}

export async function main(argv: string[]): Promise<number> {
  // Token, account and usage commands parse their own flags (src/cli/tokens.ts, accounts.ts).
  if (argv[0] === "tokens") return tokens(argv.slice(1));
  if (argv[0] === "accounts") return accounts(argv.slice(1));
  if (argv[0] === "usage") return usage(argv.slice(1));
  const options = Object.fromEntries(
    (Object.keys(SETTINGS) as SettingName[]).map((name) => [flagName(name), { type: SETTINGS[name].kind === "bool" ? ("boolean" as const) : ("string" as const), multiple: REPEATABLE_SETTINGS.has(name) }]),
  );
  const commandOptions = { task: { type: "string" }, template: { type: "string" }, "context-tokens": { type: "string" }, json: { type: "boolean" } } as const;
  const { values, positionals } = parseArgs({ args: argv, options: { ...options, ...commandOptions, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  const [command, ...rest] = positionals;
  if (!command || (values.help && !command)) {
    console.log(USAGE);
    return command ? 0 : values.help ? 0 : 1;
  }
  if (values.help) {
    console.log(`Usage: outpost ${command} ${command === "run" ? "<model> [prompt] " : ""}[options]\n\nOptions (flags win over environment variables):\n${settingsHelp()}`);
    return 0;
  }
  const flags = Object.fromEntries(
    Object.entries(values as Record<string, unknown>)
      .filter((entry): entry is [string, string | true | string[]] => typeof entry[1] === "string" || entry[1] === true || Array.isArray(entry[1]))
      .map(([flag, value]) => [flag, Array.isArray(value) ? value.join(",") : String(value)]),
  );
  const config = loadConfig(flags);
  switch (command) {
    case "serve":
      await serve(config);
      return 0;
    case "run": {
      const [model, ...words] = rest;
      if (!model) {
        console.error("Usage: outpost run <model> [prompt]");
        return 1;
      }
      return run(config, model, words.length > 0 ? words.join(" ") : undefined);
    }
    case "workers":
      return workers(config, rest);
    case "network":
      return network(config, values.json === true);
    case "models": {
      if (rest[0] === "publish") {
        if (!rest[1]) {
          console.error("Usage: outpost models publish <model> --nats <urls>");
          return 1;
        }
        return publishModel(config, rest[1]);
      }
      if (rest[0] !== "add") return models(config);
      const [, name, source] = rest;
      const contextTokens = values["context-tokens"] === undefined ? undefined : Number(values["context-tokens"]);
      if (!name || !source || !values.task || (contextTokens !== undefined && !(Number.isInteger(contextTokens) && contextTokens > 0))) {
        console.error("Usage: outpost models add <name> <file-or-url> --task <text-generation|text-embeddings> [--template <t>] [--context-tokens <n>]");
        return 1;
      }
      return modelsAdd(config, { name, source, task: values.task, template: values.template, contextTokens });
    }
    case "pull":
    case "rm":
      if (rest.length === 0) {
        console.error(`Usage: outpost ${command} <model>...`);
        return 1;
      }
      return command === "pull" ? pull(config, rest) : rm(config, rest);
    default:
      console.error(`outpost: unknown command '${command}'\n\n${USAGE}`);
      return 1;
  }
}
