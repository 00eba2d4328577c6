import { parseArgs } from "node:util";
import { flagName, loadConfig, REPEATABLE_SETTINGS, SETTINGS, type SettingName } from "../config/index.js";
import { COMMAND_HELP, commandHelp, USAGE } from "./help.js";
import { didYouMean } from "./suggest.js";
import { models, modelsAdd } from "./models.js";
import { network, publishModel } from "./network.js";
import { pull } from "./pull.js";
import { rm } from "./rm.js";
import { run } from "./run.js";
import { serve } from "./serve.js";
import { tokens } from "./tokens.js";
import { accounts, usage } from "./accounts.js";
import { workers } from "./workers.js";
import { gateways } from "./gateways.js";

/** Commands `outpost` knows, for "did you mean" (tokens, accounts, usage and gateways parse their own flags). */
const COMMANDS = ["serve", "run", "models", "pull", "rm", "workers", "network", "tokens", "accounts", "usage", "gateways"];

/** A sub-command's help key: `models add`, `workers init`, else the command. */
function helpKey(command: string, rest: string[]): string {
  const sub = `${command} ${rest[0] ?? ""}`;
  return COMMAND_HELP[sub] ? sub : command;
}

function positiveNumber(flag: string, raw: string | undefined, integer: boolean): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) throw new Error(`--${flag} must be a non-negative ${integer ? "integer" : "number"}, got '${raw}'`);
  return value;
}

export async function main(argv: string[]): Promise<number> {
  // Token, account and usage commands parse their own flags (src/cli/tokens.ts, accounts.ts).
  if (argv[0] === "tokens") return tokens(argv.slice(1));
  if (argv[0] === "accounts") return accounts(argv.slice(1));
  if (argv[0] === "usage") return usage(argv.slice(1));
  if (argv[0] === "gateways") return gateways(argv.slice(1));
  const options = Object.fromEntries(
    (Object.keys(SETTINGS) as SettingName[]).map((name) => [flagName(name), { type: SETTINGS[name].kind === "bool" ? ("boolean" as const) : ("string" as const), multiple: REPEATABLE_SETTINGS.has(name) }]),
  );
  const commandOptions = {
    task: { type: "string" },
    template: { type: "string" },
    "context-tokens": { type: "string" },
    json: { type: "boolean" },
    "max-tokens": { type: "string" },
    system: { type: "string" },
    temperature: { type: "string" },
    seed: { type: "string" },
    output: { type: "string", short: "o" },
    negative: { type: "string" },
    width: { type: "string" },
    height: { type: "string" },
    steps: { type: "string" },
    guidance: { type: "string" },
    strength: { type: "string" },
    image: { type: "string" },
    mask: { type: "string" },
    lang: { type: "string" },
    voice: { type: "string" },
    speed: { type: "string" },
  } as const;
  const { values, positionals } = parseArgs({ args: argv, options: { ...options, ...commandOptions, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  const [command, ...rest] = positionals;
  if (!command || (values.help && !command)) {
    console.log(USAGE);
    return command ? 0 : values.help ? 0 : 1;
  }
  if (!COMMANDS.includes(command)) {
    const guess = didYouMean(command, COMMANDS);
    console.error(`outpost: unknown command '${command}'${guess ? `. Did you mean '${guess}'?` : ""}\n\n${USAGE}`);
    return 1;
  }
  if (values.help) {
    console.log(commandHelp(helpKey(command, rest)));
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
        console.error(`${commandHelp("run")}`);
        return 1;
      }
      return run(config, model, words.length > 0 ? words.join(" ") : undefined, {
        maxTokens: positiveNumber("max-tokens", values["max-tokens"], true),
        temperature: positiveNumber("temperature", values.temperature, false),
        seed: positiveNumber("seed", values.seed, true),
        system: values.system,
        json: values.json === true,
        output: values.output,
        image: {
          negative: values.negative,
          width: positiveNumber("width", values.width, true),
          height: positiveNumber("height", values.height, true),
          steps: positiveNumber("steps", values.steps, true),
          guidance: positiveNumber("guidance", values.guidance, false),
          strength: positiveNumber("strength", values.strength, false),
          image: values.image,
          mask: values.mask,
        },
        speech: { lang: values.lang, voice: values.voice, speed: positiveNumber("speed", values.speed, false) },
      });
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
      console.error(commandHelp(command));
      return 1;
  }
}
