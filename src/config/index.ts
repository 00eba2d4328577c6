import { availableParallelism, homedir, totalmem } from "node:os";
import { join } from "node:path";
import type { EngineSettings, GpuLayers, GpuMode } from "../contract/index.js";
import { PROJECT_FILE, readProjectFile } from "./project-file.js";

export { loadPlugins, type PluginSpec } from "./plugins.js";

export { PROJECT_FILE, readProjectFile } from "./project-file.js";

/** Settings whose flag may be given more than once; the values are joined with commas. */
export const REPEATABLE_SETTINGS: ReadonlySet<string> = new Set(["aliases", "plugins"]);

/**
 * Every setting, once: its environment variable, its `serve` flag (the variable name without
 * OUTPOST_, lower-cased, dashes for underscores), its default and what it means. The CLI help
 * and the README's configuration table are generated from this list.
 */
export const SETTINGS = {
  host: { env: "OUTPOST_HOST", kind: "string", default: () => "127.0.0.1", description: "Address the HTTP server listens on." },
  port: { env: "OUTPOST_PORT", kind: "int", default: () => 8787, description: "Port the HTTP server listens on (0 picks a free one)." },
  dataDir: { env: "OUTPOST_DATA_DIR", kind: "string", default: () => join(homedir(), ".outpost"), description: "Where pulled models and state live." },
  modelMirror: { env: "OUTPOST_MODEL_MIRROR", kind: "string", default: () => "", description: "Directory searched first for model files by name (an offline mirror)." },
  hfEndpoint: {
    env: "OUTPOST_HF_ENDPOINT",
    fallbackEnv: "HF_ENDPOINT",
    kind: "string",
    default: () => "https://huggingface.co",
    description: "Hugging Face endpoint models are pulled from (or a proxy of it); HF_ENDPOINT if unset. Pulls use https only, except from loopback hosts and from this endpoint.",
  },
  hfToken: {
    env: "OUTPOST_HF_TOKEN",
    fallbackEnv: "HF_TOKEN",
    kind: "string",
    default: () => "",
    description: "Hugging Face access token for gated repos, sent only to the Hugging Face endpoint; HF_TOKEN if unset. Prefer a variable: a flag shows in the process list.",
  },
  threads: {
    env: "OUTPOST_THREADS",
    kind: "int",
    default: () => Math.max(1, availableParallelism() - 1),
    description: "Compute threads per loaded model (llama.cpp, onnxruntime's intra-op pool, whisper.cpp). Default: cores - 1, leaving one for the server; never more than the cores.",
  },
  threadBudget: {
    env: "OUTPOST_THREAD_BUDGET",
    kind: "int",
    default: () => availableParallelism(),
    description: "Engine threads computing at once across all models (default: the cores). A model whose threads do not fit waits, so cores are never oversubscribed.",
  },
  slots: { env: "OUTPOST_SLOTS", kind: "int", default: () => 4, description: "Sequences served at once per model (continuous batching)." },
  maxQueue: { env: "OUTPOST_MAX_QUEUE", kind: "int", default: () => 64, description: "Requests waiting per model beyond the slots; more get 429." },
  queueTimeoutMs: { env: "OUTPOST_QUEUE_TIMEOUT_MS", kind: "int", default: () => 30_000, description: "Longest a request waits for a slot before 408." },
  /**
   * Milliseconds from admission; the queue wait before it is `queueTimeoutMs`'s. Ten minutes,
   * so that CPU diffusion and long transcriptions fit; a frozen runner is the heartbeat's job.
   */
  runTimeoutMs: {
    env: "OUTPOST_RUN_TIMEOUT_MS",
    kind: "int",
    default: () => 600_000,
    description: "Longest a request may run once it has a slot, a stream until its last token; then it is stopped with 408 (a stream ends with an error event) and its slot freed.",
  },
  /** Milliseconds from the runner's start; the pull of a model that is not local comes before, and is not counted. */
  loadTimeoutMs: {
    env: "OUTPOST_LOAD_TIMEOUT_MS",
    kind: "int",
    default: () => 600_000,
    description:
      "Longest a model's load may take (its runner starting, its engine reading the weights); then the runner is stopped and the requests waiting for it get 408 (0: no bound). A request's wait for its model's load counts against neither --queue-timeout-ms nor --run-timeout-ms.",
  },
  /**
   * Milliseconds. The heartbeats come from a thread of the runner's own (runner/heartbeat.ts), so
   * an engine call that blocks the runner's event loop (onnxruntime, tfjs, a llama.cpp load) does
   * not silence it.
   */
  runnerHeartbeatTimeoutMs: {
    env: "OUTPOST_RUNNER_HEARTBEAT_TIMEOUT_MS",
    kind: "int",
    default: () => 10_000,
    description:
      "A runner sends a heartbeat every second, also while its engine computes or loads; one silent this long (stopped, frozen, spinning outside an engine call, or blocked in one longer than --run-timeout-ms) is killed and treated as a crash (at least 2000; 0: never); before its first heartbeat, 60 s.",
  },
  /** Milliseconds; an input is its model id and prepared job, less any random seed. */
  poisonBlockMs: {
    env: "OUTPOST_POISON_BLOCK_MS",
    kind: "int",
    default: () => 600_000,
    description: "An input in flight when its runner crashed is a suspect this long; if it crashes a runner again it is refused with 422 without reaching a runner, for this long.",
  },
  /** Two: a poison input crashes its runner and then, on its lone retry, the replacement (scheduler.ts). */
  spareRunners: {
    env: "OUTPOST_SPARE_RUNNERS",
    kind: "int",
    default: () => 2,
    description: "Runners kept started per engine in use, each with its engine ready (about 60 MB each for llama.cpp), so a crashed runner's replacement only loads its model; two, so that a poison input's second crash finds one ready too. 0: none.",
  },
  keepAliveMs: { env: "OUTPOST_KEEP_ALIVE_MS", kind: "int", default: () => 300_000, description: "How long an idle model stays loaded." },
  memoryBudgetBytes: {
    env: "OUTPOST_MEMORY_BUDGET_BYTES",
    kind: "int",
    default: () => Math.floor(totalmem() * 0.75),
    description: "Memory loaded models may use together; idle models are evicted least-recently-used first to make room.",
  },
  gpu: {
    env: "OUTPOST_GPU",
    kind: "string",
    accepts: { pattern: /^(auto|cuda|vulkan|metal|off)$/, expected: "auto, cuda, vulkan, metal or off" },
    default: () => "auto",
    description:
      "GPU backend for llama.cpp and the ONNX engines: auto (the first of CUDA, Vulkan, Metal that loads, else CPU, saying why in one log line), cuda, vulkan, metal (falls back to CPU the same way when it cannot load), or off (CPU only).",
  },
  gpuLayers: {
    env: "OUTPOST_GPU_LAYERS",
    kind: "string",
    accepts: { pattern: /^(auto|max|\d+)$/, expected: "auto, max or a number of layers" },
    default: () => "auto",
    description: "Model layers llama.cpp offloads to the GPU: auto (as many as fit the free VRAM and the VRAM budget, with the context), max (all, or the load fails), or a count.",
  },
  vramBudgetBytes: {
    env: "OUTPOST_VRAM_BUDGET_BYTES",
    kind: "int",
    default: () => 0,
    description: "GPU memory loaded models may use together, measured per model after load; idle models are evicted least-recently-used first to make room, and what still does not fit runs its remaining layers on the CPU. 0: the total VRAM the GPU backend reports.",
  },
  maxBodyBytes: { env: "OUTPOST_MAX_BODY_BYTES", kind: "int", default: () => 10 * 1024 * 1024, description: "Largest request body accepted; larger gets 413." },
  maxBodyBytesInFlight: {
    env: "OUTPOST_MAX_BODY_BYTES_IN_FLIGHT",
    kind: "int",
    default: () => 32 * 1024 * 1024,
    description: "Request body bytes read but not yet parsed, over all requests at once (at least one largest body); past it requests get 429 at once.",
  },
  headersTimeoutMs: { env: "OUTPOST_HEADERS_TIMEOUT_MS", kind: "int", default: () => 10_000, description: "Longest a client may take to send a request's headers; then 408 and the connection is closed." },
  bodyTimeoutMs: {
    env: "OUTPOST_BODY_TIMEOUT_MS",
    kind: "int",
    default: () => 30_000,
    description: "Longest a client may take to send a whole request, body included; then 408 and the connection is closed. Answers may take longer.",
  },
  maxConnections: { env: "OUTPOST_MAX_CONNECTIONS", kind: "int", default: () => 1_024, description: "Client connections open at once; more are closed as they arrive." },
  natsUrl: {
    env: "OUTPOST_NATS_URL",
    flag: "nats",
    kind: "string",
    default: () => "",
    description: "NATS servers of this node's city, comma-separated (nats://host:port). Set: the node joins the Outpost network; empty: single process.",
  },
  city: { env: "OUTPOST_CITY", kind: "string", default: () => "local", description: "Network mode: this node's city code ([a-z0-9-]), shown in x-outpost-city." },
  region: { env: "OUTPOST_REGION", kind: "string", default: () => "default", description: "Network mode: this node's region ([a-z0-9-]), for data residency." },
  coords: { env: "OUTPOST_COORDS", kind: "string", default: () => "", description: "Network mode: 'lat,lon' in degrees; distance to other cities. Empty: measured round-trip time only." },
  nodeId: { env: "OUTPOST_NODE_ID", kind: "string", default: () => "", description: "Network mode: unique node name ([a-z0-9-]). Empty: <city>-<random>." },
  /**
   * Milliseconds, on top of the node's measured round trip. Short, because a frozen node costs
   * each request sent to it this much (Debian's nats-server 2.9.10 keeps routing to it, #4014);
   * long enough for a node busy with other work to read a request and answer.
   */
  acceptTimeoutMs: {
    env: "OUTPOST_ACCEPT_TIMEOUT_MS",
    kind: "int",
    default: () => 300,
    description: "Network mode: a node sent a request must answer within this long (plus the measured round trip), else it is taken for frozen and the request goes to the next city.",
  },
  allowedHosts: {
    env: "OUTPOST_ALLOWED_HOSTS",
    kind: "string",
    default: () => "",
    description: "Host names the server answers to besides loopback, IP addresses, this machine's name and --host, comma-separated ('.example.com' matches its subdomains). Any other Host header gets 403 (DNS rebinding guard).",
  },
  corsOrigins: {
    env: "OUTPOST_CORS_ORIGINS",
    kind: "string",
    default: () => "",
    description: "Web origins (https://app.example.com) whose pages may call the API from a browser, comma-separated. Empty: no CORS, and cross-site requests that change anything get 403.",
  },
  insecureNoAuth: {
    env: "OUTPOST_INSECURE_NO_AUTH",
    kind: "bool",
    default: () => false,
    description: "Serve a non-loopback --host with no token created: anyone who reaches the port can run, pull and delete. Without it such a start is refused.",
  },
  rateLimits: {
    env: "OUTPOST_RATE_LIMITS",
    kind: "bool",
    default: () => true,
    description: "Hold each token's account to Workers AI's requests per minute per task (text generation 300, embeddings 3000, …; `outpost accounts set` overrides); past it 429. Callers of an open server are not limited.",
  },
  dailyNeurons: {
    env: "OUTPOST_DAILY_NEURONS",
    kind: "int",
    default: () => 0,
    description: "Neurons each account may use per UTC day (Workers AI's free allocation is 10000), unless `outpost accounts set` gives it its own; past it 429 until 00:00 UTC. 0: unlimited.",
  },
  gatewayCacheBytes: {
    env: "OUTPOST_GATEWAY_CACHE_BYTES",
    kind: "int",
    default: () => 256 * 1024 * 1024,
    description: "AI Gateway cache: answers kept over all gateways, in bytes, least recently used out first (in memory and in the database).",
  },
  requestLogDays: { env: "OUTPOST_REQUEST_LOG_DAYS", kind: "int", default: () => 30, description: "Days the request log in the database keeps each request; usage totals per hour are kept for good." },
  aliases: {
    env: "OUTPOST_ALIASES",
    flag: "alias",
    kind: "string",
    default: () => "",
    description:
      "Serve a model id with another model: '<id>=<model>', comma-separated (the flag may be repeated). Merged over the aliases of ./outpost.json; e.g. @cf/meta/llama-2-7b-chat-int8=@cf/karpathy/tinyllamas-stories-260k.",
  },
  plugins: {
    env: "OUTPOST_PLUGINS",
    flag: "plugin",
    kind: "string",
    default: () => "",
    description:
      "Plugin ES modules to load (hooks onRequest, onToken, onResponse, onError, onUsage), comma-separated (the flag may be repeated); '<path>' fails open, '<path>=closed' fails the request when the plugin fails. Added after ./outpost.json's plugins.",
  },
  hookTimeoutMs: {
    env: "OUTPOST_HOOK_TIMEOUT_MS",
    kind: "int",
    default: () => 250,
    description: "Longest one plugin hook call may take (one batch of tokens for onToken); past it the call counts as failed, and a plugin thread that stopped answering is restarted.",
  },
  pluginMemoryMb: { env: "OUTPOST_PLUGIN_MEMORY_MB", kind: "int", default: () => 128, description: "Heap each plugin's thread may use, in MiB; past it the thread is stopped and restarted." },
  residencyPolicy: {
    env: "OUTPOST_RESIDENCY_POLICY",
    kind: "string",
    default: () => "",
    description: "Network mode: per-account residency, 'account=region:eu,city:lis;other=…' ('*' matches every account).",
  },
} as const;

export type SettingName = keyof typeof SETTINGS;

type Value<K extends SettingName> = (typeof SETTINGS)[K]["kind"] extends "int" ? number : (typeof SETTINGS)[K]["kind"] extends "bool" ? boolean : string;
export type Config = { [K in SettingName]: Value<K> };

export function flagName(name: SettingName): string {
  const setting: { env: string; flag?: string } = SETTINGS[name];
  return setting.flag ?? SETTINGS[name].env.replace(/^OUTPOST_/, "").toLowerCase().replaceAll("_", "-");
}

/** Flags win over the environment, which wins over defaults. Throws on a malformed number. */
export function loadConfig(flags: Partial<Record<string, string>> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const config: Record<string, string | number | boolean> = {};
  for (const [name, setting] of Object.entries(SETTINGS) as [SettingName, (typeof SETTINGS)[SettingName]][]) {
    const raw = flags[flagName(name)] ?? (env[setting.env] || ("fallbackEnv" in setting ? env[setting.fallbackEnv] : undefined));
    if (raw === undefined || raw === "") {
      config[name] = setting.default();
      continue;
    }
    if (setting.kind === "bool") {
      if (!["1", "true", "0", "false"].includes(raw)) throw new Error(`${setting.env} / --${flagName(name)} must be true or false, got '${raw}'`);
      config[name] = raw === "1" || raw === "true";
    } else if (setting.kind === "int") {
      const value = Number(raw);
      if (!Number.isInteger(value) || value < 0) throw new Error(`${setting.env} / --${flagName(name)} must be a non-negative integer, got '${raw}'`);
      config[name] = value;
    } else {
      const accepts = "accepts" in setting ? setting.accepts : undefined;
      if (accepts && !accepts.pattern.test(raw)) throw new Error(`${setting.env} / --${flagName(name)} must be ${accepts.expected}, got '${raw}'`);
      config[name] = raw;
    }
  }
  return config as Config;
}

/** The settings a runner's engines are created with. */
export function engineSettings(config: Pick<Config, "gpu" | "gpuLayers" | "dataDir">): EngineSettings {
  const layers = config.gpuLayers === "auto" || config.gpuLayers === "max" ? config.gpuLayers : Number(config.gpuLayers);
  return { gpu: config.gpu as GpuMode, gpuLayers: layers satisfies GpuLayers, cacheDir: join(config.dataDir, "cache") };
}

/**
 * The environment a runner process is started with so that its loadConfig() gives the server's
 * engine settings, flags included (a runner has no flags of its own), and its run timeout: a
 * job that blocks the runner longer stops its heartbeats (runner/heartbeat.ts).
 */
export function runnerEnvironment(config: Pick<Config, "gpu" | "gpuLayers" | "dataDir" | "runTimeoutMs">): Record<string, string> {
  return { [SETTINGS.gpu.env]: config.gpu, [SETTINGS.gpuLayers.env]: config.gpuLayers, [SETTINGS.dataDir.env]: config.dataDir, [SETTINGS.runTimeoutMs.env]: String(config.runTimeoutMs) };
}

/** `[flag, env, default, description]` rows for help text and docs. */
export function describeSettings(): { flag: string; env: string; default: string; description: string }[] {
  return (Object.keys(SETTINGS) as SettingName[]).map((name) => ({
    flag: `--${flagName(name)}`,
    env: SETTINGS[name].env,
    default: String(SETTINGS[name].default()),
    description: SETTINGS[name].description,
  }));
}

/** `<id>=<model>` pairs from a comma-separated setting; throws naming the malformed one. */
export function parseAliases(raw: string, origin = "OUTPOST_ALIASES / --alias"): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const pair of raw.split(",").map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf("=");
    const id = pair.slice(0, eq).trim();
    const model = pair.slice(eq + 1).trim();
    if (eq < 1 || !id || !model) throw new Error(`${origin}: '${pair}' is not <id>=<model>`);
    aliases.set(id, model);
  }
  return aliases;
}

/**
 * Every alias in effect: `outpost.json`'s in `dir` (the working directory), then the setting's,
 * which win for the same id. A missing file is no aliases; a malformed one throws naming it.
 */
export function loadAliases(config: Pick<Config, "aliases">, dir = process.cwd()): Map<string, string> {
  const file = join(dir, PROJECT_FILE);
  const aliases = new Map<string, string>();
  const table = readProjectFile(dir)?.aliases ?? {};
  if (typeof table !== "object" || table === null || Array.isArray(table)) throw new Error(`${file}: "aliases" must be an object of "<id>": "<model>"`);
  for (const [id, model] of Object.entries(table)) {
    if (typeof model !== "string" || !model) throw new Error(`${file}: alias ${id} must name a model id`);
    aliases.set(id, model);
  }
  for (const [id, model] of parseAliases(config.aliases)) aliases.set(id, model);
  return aliases;
}
