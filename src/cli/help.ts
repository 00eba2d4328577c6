import { describeSettings } from "../config/index.js";

/** One command's help: its usage line, what it does, its own options and an example. */
interface CommandHelp {
  usage: string;
  summary: string;
  options?: [flag: string, description: string][];
  example: string;
  /** Settings (flags of `serve`) this command reads, besides its own options. */
  settings?: string[];
}

const STORE_SETTINGS = ["--data-dir", "--model-mirror", "--hf-endpoint", "--hf-token"];

export const COMMAND_HELP: Record<string, CommandHelp> = {
  serve: { usage: "outpost serve [options]", summary: "Start the HTTP server (Workers AI REST, OpenAI, binding proxy, dashboard).", example: "outpost serve --port 8787 --alias @cf/meta/llama-2-7b-chat-int8=@cf/karpathy/tinyllamas-stories-260k" },
  run: {
    usage: "outpost run <model> [prompt] [options]",
    summary: "Generate text in the terminal, streamed as it comes, or a picture or speech into a file with -o (the prompt is read from stdin if omitted); for a speech-recognition model the argument is an audio file, whose transcript is printed; for an image-to-text, image-classification or object-detection model an image file, whose description, labels or boxes are printed. A model that is not local is pulled first.",
    options: [
      ["--max-tokens <n>", "Most tokens to generate (default: the model's, 256 for most)."],
      ["--system <text>", "A system message before the prompt (sent as chat messages)."],
      ["--temperature <t>", "Randomness, 0 to 5; 0 is greedy (default 0.6)."],
      ["--seed <n>", "Same seed and prompt give the same answer."],
      ["--json", "Print the raw result object (response and usage) instead of streaming text."],
      ["-o, --output <file>", "Text-to-image: write the PNG there; text-to-speech: the audio in the format its extension names (.wav, .flac, .opus, .aac, .pcm; else MP3) (default: stdout, unless it is a terminal). Progress goes to stderr."],
      ["--negative <text>", "Text-to-image: what to keep out of the picture."],
      ["--width <px>, --height <px>", "Text-to-image: the picture's size (default: the model's)."],
      ["--steps <n>", "Text-to-image: denoising steps, 1 to 20."],
      ["--guidance <g>", "Text-to-image: classifier-free guidance scale (default 7.5)."],
      ["--image <file>", "img2img: the picture to start from."],
      ["--strength <s>", "img2img: how far from --image the result may go, 0 to 1."],
      ["--mask <file>", "Inpainting: white where the picture is repainted; the image's size."],
      ["--lang <code>", "Text-to-speech: en, es, fr, zh, jp or kr (default en)."],
      ["--voice <name>", "Text-to-speech: the speaker, by OpenAI's voice names (alloy, echo, nova, …)."],
      ["--speed <s>", "Text-to-speech: speaking rate, 0.25 to 4 (default 1)."],
    ],
    example: 'outpost run @cf/karpathy/tinyllamas-stories-260k "Once upon a time" --max-tokens 400 --seed 7\n  outpost run @cf/stabilityai/stable-diffusion-xl-base-1.0 "a lighthouse at dusk" -o out.png --seed 7\n  outpost run @outpost/espeak-ng "Bonjour tout le monde" --lang fr -o hello.mp3\n  outpost run @cf/openai/whisper hello.wav --json\n  outpost run @outpost/vit-gpt2-image-captioning photo.jpg',
    settings: [...STORE_SETTINGS, "--threads", "--alias"],
  },
  models: {
    usage: "outpost models",
    summary: "List the catalog, custom models and aliases: task, engine, whether the file is local (store, mirror, no), size, last use.",
    example: "outpost models --model-mirror ../shared/models",
    settings: ["--data-dir", "--model-mirror", "--alias"],
  },
  "models add": {
    usage: "outpost models add <name> <file-or-url> --task <task> [options]",
    summary: "Register a GGUF under a name that run, pull and the API accept (catalog ids are refused: use --alias for those).",
    options: [
      ["--task <task>", "text-generation or text-embeddings (required)."],
      ["--template <t>", "Chat template family (chatml, llama2, …); default gguf, the file's own."],
      ["--context-tokens <n>", "Context window in tokens (default: the file's)."],
    ],
    example: "outpost models add @cf/me/my-model ./my-model.gguf --task text-generation --template chatml",
    settings: STORE_SETTINGS,
  },
  "models publish": {
    usage: "outpost models publish <model> --nats <urls>",
    summary: "Put a model's file into the network's object store, for nodes that lack it.",
    example: "outpost models publish @cf/karpathy/tinyllamas-stories-260k --nats nats://127.0.0.1:4222",
    settings: [...STORE_SETTINGS, "--nats"],
  },
  pull: {
    usage: "outpost pull <model>...",
    summary: "Download models into the data dir (mirror first, then Hugging Face), verified and resumable; Ctrl-C keeps what was downloaded.",
    example: "outpost pull @cf/karpathy/tinyllamas-stories-260k",
    settings: STORE_SETTINGS,
  },
  rm: { usage: "outpost rm <model>...", summary: "Delete pulled models (and forget custom ones).", example: "outpost rm @cf/karpathy/tinyllamas-stories-260k", settings: ["--data-dir"] },
  "workers init": {
    usage: "outpost workers init [project-dir] [options]",
    summary: "Write the outpost-ai Worker into <project-dir>/outpost-ai/ (env.AI for wrangler >= 4.36 and miniflare) and print the binding to add.",
    options: [
      ["--alias <id>=<model>", "Serve a model id with another model in this Worker only (repeatable)."],
      ["--host <host>, --port <n>", "Where Outpost serves (default 127.0.0.1:8787)."],
    ],
    example: "npx --no outpost workers init --alias @cf/meta/llama-2-7b-chat-int8=@cf/karpathy/tinyllamas-stories-260k",
  },
  network: {
    usage: "outpost network --nats <urls> [--json]",
    summary: "Cities, nodes, models, load and health of the Outpost network.",
    options: [["--json", "The view as JSON."]],
    example: "outpost network --nats nats://127.0.0.1:4222",
    settings: ["--nats"],
  },
};

export const USAGE = `Usage: outpost <command> [options]

Commands:
  serve                     Start the HTTP server (Workers AI REST, OpenAI, binding proxy)
  run <model> [prompt]      Stream a completion to the terminal (prompt from stdin if omitted)
  models                    List the model catalog and what is available locally
  pull <model>...           Download models into the data dir (mirror first), resumably
  rm <model>...             Delete pulled models (and forget custom ones)
  models add <name> <file-or-url> --task <task>
                            Register a custom GGUF under a name that run and the API accept
  workers init [dir]        Write the outpost-ai Worker into a project: env.AI for wrangler dev
  models publish <model>    Put a model's file into the network's object store (--nats)
  network [--json]          Cities, nodes, models, load and health of the network (--nats)
  tokens create|list|revoke API tokens: outpost tokens --help
  accounts list|set         Per-account rate limits and daily neurons: outpost accounts --help
  usage                     Neurons and requests by model, hour, day or account: outpost usage --help
  gateways create|list|rm   AI Gateways (cache, logs, rate limit, fallbacks): outpost gateways --help

Run 'outpost <command> --help' for its options.`;

function settingsHelp(only?: string[]): string {
  const rows = describeSettings().filter((r) => !only || only.includes(r.flag));
  const width = Math.max(...rows.map((r) => `${r.flag} <value>`.length));
  return rows.map((r) => `  ${`${r.flag} <value>`.padEnd(width)}  ${r.description}\n  ${"".padEnd(width)}  env ${r.env}, default ${r.default || "(none)"}`).join("\n");
}

/** `outpost <command> --help`: the command's own options and an example; `serve` lists every setting. */
export function commandHelp(command: string): string {
  const help = COMMAND_HELP[command];
  if (!help) return USAGE;
  const lines = [`Usage: ${help.usage}`, "", help.summary];
  if (help.options) {
    const width = Math.max(...help.options.map(([flag]) => flag.length));
    lines.push("", "Options:", ...help.options.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`));
  }
  if (command === "serve") lines.push("", "Options (flags win over environment variables):", settingsHelp());
  else if (help.settings) lines.push("", "Settings it reads (flags or environment variables, as for serve):", settingsHelp(help.settings));
  lines.push("", "Example:", `  ${help.example}`);
  return lines.join("\n");
}
