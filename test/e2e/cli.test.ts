import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { flagName, SETTINGS, type SettingName } from "../../src/config/index.js";
import { speech } from "../helpers/audio.js";
import { MODEL_MIRROR, REPO_ROOT, STORIES, TINYSTORIES_656K } from "../helpers/server.js";

const SD_STANDIN = "@outpost/sd-tiny-standin";

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI (`node bin/outpost.js`), with the real models and a private data dir. */
describe("outpost CLI", () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), "outpost-cli-"));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  function outpost(args: string[], stdin?: string, cwd = REPO_ROOT): Promise<Exit> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(REPO_ROOT, "bin/outpost.js"), ...args], {
        cwd,
        env: { ...process.env, OUTPOST_MODEL_MIRROR: MODEL_MIRROR, OUTPOST_DATA_DIR: dataDir },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.once("error", reject);
      child.once("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      child.stdin.end(stdin ?? "");
    });
  }

  test("run <model> <prompt> prints a story and exits 0", async () => {
    const { code, stdout, stderr } = await outpost(["run", STORIES, "Once", "upon", "a", "time"]);
    assert.equal(code, 0, stderr);
    assert.ok(stdout.trim().split(/\s+/).length > 20, stdout);
    assert.match(stdout, /[a-z]+ [a-z]+/i);
    assert.ok(stdout.endsWith("\n"));
  });

  test("run without a prompt reads it from stdin", async () => {
    const { code, stdout, stderr } = await outpost(["run", STORIES], "Once upon a time\n");
    assert.equal(code, 0, stderr);
    assert.ok(stdout.trim().length > 20, stdout);
  });

  test("run with an unknown model exits non-zero and says why", async () => {
    const { code, stdout, stderr } = await outpost(["run", "@cf/no/such-model", "hello"]);
    assert.notEqual(code, 0);
    assert.equal(stdout, "");
    assert.equal(stderr, "outpost: No such model @cf/no/such-model or task (5007)\n");
  });

  test("models prints a table of the catalog with what is local", async () => {
    const { code, stdout, stderr } = await outpost(["models"]);
    assert.equal(code, 0, stderr);
    const [header, ...rows] = stdout.trimEnd().split("\n");
    assert.match(header!, /^MODEL\s+TASK\s+ENGINE\s+LOCAL\s+SIZE\s+LAST USED$/);
    const stories = rows.find((row) => row.startsWith(`${STORIES} `));
    assert.ok(stories, stdout);
    assert.match(stories, /text-generation\s+llama\s+mirror\s+1\.1 MiB$/);
    assert.ok(rows.length > 10);
    assert.ok(rows.some((row) => /\sno$/.test(row)), "models without local files say no");
  });

  test("serve --help documents every OUTPOST_* setting with its flag and default", async () => {
    const { code, stdout } = await outpost(["serve", "--help"]);
    assert.equal(code, 0);
    for (const [name, setting] of Object.entries(SETTINGS)) {
      assert.ok(stdout.includes(setting.env), `${name}: ${setting.env}`);
      assert.ok(stdout.includes(setting.description), `${name}: description`);
      assert.match(stdout, new RegExp(`--${flagName(name as SettingName)} `));
    }
    assert.match(stdout, /OUTPOST_MAX_BODY_BYTES, default 10485760/);
  });

  test("usage errors exit non-zero", async () => {
    assert.equal((await outpost(["run"])).code, 1);
    assert.equal((await outpost(["no-such-command"])).code, 1);
    const badFlag = await outpost(["serve", "--no-such-flag", "1"]);
    assert.equal(badFlag.code, 1);
    assert.match(badFlag.stderr, /no-such-flag/);
  });

  test("each command's --help shows its own usage, options and an example, not the server's settings", async () => {
    const cases: [string[], RegExp[]][] = [
      [["run", "--help"], [/^Usage: outpost run <model> \[prompt\] \[options\]/, /--max-tokens <n>/, /--system <text>/, /--temperature <t>/, /--seed <n>/, /--json/, /Example:\n {2}outpost run @cf\//]],
      [["pull", "--help"], [/^Usage: outpost pull <model>\.\.\./, /--model-mirror <value>/, /Example:\n {2}outpost pull /]],
      [["workers", "init", "--help"], [/^Usage: outpost workers init \[project-dir\]/, /--alias <id>=<model>/, /Example:\n {2}npx --no outpost workers init/]],
      [["models", "add", "--help"], [/^Usage: outpost models add <name> <file-or-url> --task <task>/, /--template <t>/, /--context-tokens <n>/, /Example:/]],
    ];
    for (const [args, patterns] of cases) {
      const { code, stdout } = await outpost(args);
      assert.equal(code, 0, args.join(" "));
      for (const pattern of patterns) assert.match(stdout, pattern, `${args.join(" ")}:\n${stdout}`);
      assert.ok(!stdout.includes("--max-body-bytes"), `${args.join(" ")} lists server settings:\n${stdout}`);
    }
  });

  test("a mistyped command or model id gets a 'did you mean'", async () => {
    const serv = await outpost(["serv"]);
    assert.equal(serv.code, 1);
    assert.match(serv.stderr, /^outpost: unknown command 'serv'\. Did you mean 'serve'\?/);
    assert.match((await outpost(["modles"])).stderr, /Did you mean 'models'\?/);
    const typo = await outpost(["run", "tinyllamas-stories-26k", "Once"]);
    assert.equal(typo.code, 1);
    assert.equal(typo.stderr, `outpost: No such model tinyllamas-stories-26k or task. Did you mean ${STORIES}? (5007)\n`);
    const pull = await outpost(["pull", "@cf/karpathy/tinyllamas-stories-26k"]);
    assert.equal(pull.code, 1);
    assert.match(pull.stderr, new RegExp(`Did you mean ${STORIES}\\?`));
  });

  test("run --max-tokens, --seed, --temperature and --json: the raw result with its usage", async () => {
    const { code, stdout, stderr } = await outpost(["run", STORIES, "Once upon a time", "--max-tokens", "5", "--seed", "3", "--temperature", "0.5", "--json"]);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as { response: string; usage: { completion_tokens: number } };
    assert.equal(typeof result.response, "string");
    assert.equal(result.usage.completion_tokens, 5);
    const again = JSON.parse((await outpost(["run", STORIES, "Once upon a time", "--max-tokens", "5", "--seed", "3", "--temperature", "0.5", "--json"])).stdout) as unknown;
    assert.deepEqual(again, result, "the same seed gives the same answer");
    const long = await outpost(["run", STORIES, "Once upon a time", "--max-tokens", "400", "--json"]);
    assert.ok((JSON.parse(long.stdout) as { usage: { completion_tokens: number } }).usage.completion_tokens > 256, "past the 256 default");
    const bad = await outpost(["run", STORIES, "x", "--max-tokens", "many"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--max-tokens must be a non-negative integer, got 'many'/);
  });

  test("run --system sends chat messages; the 656K model's end token never shows", async () => {
    const { code, stdout, stderr } = await outpost(["run", TINYSTORIES_656K, "Once upon a time", "--system", "Tell a story", "--seed", "1"]);
    assert.equal(code, 0, stderr);
    assert.ok(stdout.trim().length > 0);
    assert.ok(!stdout.includes("<|end_story|>"), stdout);
  });

  test("run <text-to-image model> <prompt> -o writes the PNG; the same seed gives the same bytes; img2img from a file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "outpost-cli-image-"));
    try {
      const file = (name: string) => join(dir, name);
      const draw = (name: string, ...more: string[]) => outpost(["run", SD_STANDIN, "a lighthouse", "-o", file(name), "--seed", "3", "--steps", "2", "--width", "320", "--height", "256", ...more]);
      const first = await draw("a.png");
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stderr, /wrote .*a\.png \(\d+ bytes\)/);
      const meta = await sharp(readFileSync(file("a.png"))).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ["png", 320, 256]);
      assert.equal((await draw("b.png")).code, 0);
      assert.deepEqual(readFileSync(file("b.png")), readFileSync(file("a.png")));
      const edited = await draw("c.png", "--image", file("a.png"), "--strength", "0.5", "--negative", "fog", "--guidance", "3");
      assert.equal(edited.code, 0, edited.stderr);
      assert.notDeepEqual(readFileSync(file("c.png")), readFileSync(file("a.png")));

      const odd = await outpost(["run", SD_STANDIN, "a lighthouse", "-o", file("d.png"), "--width", "17"]);
      assert.equal(odd.code, 1);
      assert.match(odd.stderr, /\/width/);
      assert.ok(!existsSync(file("d.png")));
      const text = await outpost(["run", STORIES, "Once", "-o", file("e.png")]);
      assert.equal(text.code, 1);
      assert.match(text.stderr, /-o is for text-to-image and text-to-speech models; @cf\/karpathy\/tinyllamas-stories-260k is text-generation/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("run <speech-recognition model> <file> prints the transcript; --json the words and their times", async () => {
    const dir = mkdtempSync(join(tmpdir(), "outpost-cli-speech-"));
    try {
      const wav = join(dir, "hello.wav");
      writeFileSync(wav, speech("Hello world"));
      const plain = await outpost(["run", "@outpost/whisper-micro-en-standin", wav]);
      assert.equal(plain.code, 0, plain.stderr);
      // The random-weight stand-in's words vary run to run (and may be none): one line of text, not JSON.
      assert.match(plain.stdout, /^(?!\{)[^\n]*\n$/);
      const json = await outpost(["run", "@outpost/whisper-micro-en-standin", wav, "--json"]);
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual(Object.keys(JSON.parse(json.stdout)), ["text", "word_count", "words", "vtt"]);
      const missing = await outpost(["run", "@outpost/whisper-micro-en-standin", join(dir, "missing.wav")]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /missing\.wav/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("run <image-to-text model> <file> prints the description; --json the answer; bad files are named", async () => {
    const dir = mkdtempSync(join(tmpdir(), "outpost-cli-vision-"));
    try {
      const png = join(dir, "photo.png");
      writeFileSync(png, await sharp({ create: { width: 64, height: 48, channels: 3, background: "#336699" } }).png().toBuffer());
      const plain = await outpost(["run", "@outpost/vit-gpt2-tiny-standin", png, "--max-tokens", "6"]);
      assert.equal(plain.code, 0, plain.stderr);
      const json = await outpost(["run", "@outpost/vit-gpt2-tiny-standin", png, "--max-tokens", "6", "--json"]);
      assert.equal(json.code, 0, json.stderr);
      const { description } = JSON.parse(json.stdout) as { description: string };
      assert.equal(plain.stdout, `${description}\n`, "greedy: the same image gives the same description");
      const text = join(dir, "notes.txt");
      writeFileSync(text, "not a picture");
      const refused = await outpost(["run", "@outpost/vit-gpt2-tiny-standin", text]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /Invalid input at '\/image': not an image/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("outpost.json in the working directory aliases ids; models lists them", async () => {
    const project = mkdtempSync(join(tmpdir(), "outpost-project-"));
    try {
      writeFileSync(join(project, "outpost.json"), JSON.stringify({ aliases: { "@cf/meta/llama-2-7b-chat-int8": STORIES } }));
      const { code, stdout, stderr } = await outpost(["models"], undefined, project);
      assert.equal(code, 0, stderr);
      assert.match(stdout, new RegExp(`^@cf/meta/llama-2-7b-chat-int8 -> ${STORIES}\\s+text-generation\\s+llama\\s+mirror`, "m"));
      const run = await outpost(["run", "@cf/meta/llama-2-7b-chat-int8", "Once upon a time", "--max-tokens", "4"], undefined, project);
      assert.equal(run.code, 0, run.stderr);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  test("network at a dead NATS port names the URL and what to check", async () => {
    const { code, stderr } = await outpost(["network", "--nats", "nats://127.0.0.1:1"]);
    assert.equal(code, 1);
    assert.match(stderr, /cannot reach NATS at nats:\/\/127\.0\.0\.1:1 \(.+\): is nats-server running there, and are --nats \/ OUTPOST_NATS_URL right\?/);
  });

  test("the README's 'Getting the CLI into a Worker project' block works as written, outside the repo", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const block = /\*\*Getting the CLI into a Worker project\.\*\*[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block, "the README has the block");
    const parent = mkdtempSync(join(tmpdir(), "outpost-readme-"));
    try {
      // Only the checkout's path differs; npm stays offline, so nothing can come from the registry.
      const script = `set -e\n${block.replaceAll("/path/to/outpost", REPO_ROOT)}`;
      const env = { ...process.env, npm_config_offline: "true", npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };
      const ran = spawnSync("bash", ["-c", script], { cwd: parent, env, encoding: "utf8", timeout: 120_000 });
      assert.equal(ran.status, 0, `${ran.stdout}\n${ran.stderr}`);
      const project = join(parent, "my-worker");
      assert.match(readFileSync(join(project, "outpost-ai/wrangler.toml"), "utf8"), /^OUTPOST_ALIASES = "@cf\/meta\/llama-2-7b-chat-int8=@cf\/karpathy\/tinyllamas-stories-260k"$/m);
      assert.match(ran.stdout, /binding = "AI"\nservice = "outpost-ai"/);
      // Without the install, npx --no refuses instead of fetching whatever is published as outpost.
      const bare = mkdtempSync(join(parent, "bare-"));
      const refused = spawnSync("npx", ["--no", "outpost", "workers", "init"], { cwd: bare, env, encoding: "utf8", timeout: 60_000 });
      assert.notEqual(refused.status, 0);
      assert.ok(!existsSync(join(bare, "outpost-ai")));
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
