import { parseArgs } from "node:util";
import { describeSettings, flagName, loadConfig, SETTINGS, type SettingName } from "../config/index.js";
import { models } from "./models.js";
import { run } from "./run.js";
import { serve } from "./serve.js";
import { workers } from "./workers.js";

const USAGE = `Usage: outpost <command> [options]

Commands:
  serve                     Start the HTTP server (Workers AI REST, OpenAI, binding proxy)
  run <model> [prompt]      Stream a completion to the terminal (prompt from stdin if omitted)
  models                    List the model catalog and what is available locally
  workers init [dir]        Write the outpost-ai Worker into a project: env.AI for wrangler dev

Run 'outpost <command> --help' for its options.`;

function settingsHelp(): string {
  const rows = describeSettings();
  const width = Math.max(...rows.map((r) => `${r.flag} <value>`.length));
  return rows.map((r) => `  ${`${r.flag} <value>`.padEnd(width)}  ${r.description}\n  ${"".padEnd(width)}  env ${r.env}, default ${r.default || "(none)"}`).join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const options = Object.fromEntries((Object.keys(SETTINGS) as SettingName[]).map((name) => [flagName(name), { type: "string" as const }]));
  const { values, positionals } = parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  const [command, ...rest] = positionals;
  if (!command || (values.help && !command)) {
    console.log(USAGE);
    return command ? 0 : values.help ? 0 : 1;
  }
  if (values.help) {
    console.log(`Usage: outpost ${command} ${command === "run" ? "<model> [prompt] " : ""}[options]\n\nOptions (flags win over environment variables):\n${settingsHelp()}`);
    return 0;
  }
  const flags = Object.fromEntries(Object.entries(values as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
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
    case "models":
      return models(config);
    case "workers":
      return workers(config, rest);
    default:
      console.error(`outpost: unknown command '${command}'\n\n${USAGE}`);
      return 1;
  }
}
