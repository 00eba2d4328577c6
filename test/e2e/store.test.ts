import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startFileServer, type FileServer } from "../helpers/file-server.js";
import { MODEL_MIRROR, postJson, REPO_ROOT, startServer, STORIES } from "../helpers/server.js";

const STORIES_FILE = join(MODEL_MIRROR, "stories260K.gguf");
const STORIES_SHA = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";
const HF_PATH = "/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf";
const CLI_TIMEOUT_MS = 60_000;

interface Cli {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Env {
  server: FileServer;
  dataDir: string;
  /** The environment a user sets: data dir, the test's Hugging Face endpoint, no mirror. */
  env: NodeJS.ProcessEnv;
  blob: string;
}

async function setup(t: { after(fn: () => unknown): void }, faults = {}): Promise<Env> {
  const server = await startFileServer();
  server.serve(HF_PATH, STORIES_FILE, faults);
  const dataDir = mkdtempSync(join(tmpdir(), "outpost-e2e-store-"));
  t.after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const env = { OUTPOST_DATA_DIR: dataDir, OUTPOST_HF_ENDPOINT: server.url, OUTPOST_MODEL_MIRROR: "" };
  return { server, dataDir, env, blob: join(dataDir, "blobs", `sha256-${STORIES_SHA}`) };
}

/** Starts `node bin/outpost.js …` as a user would; `done` settles when it exits. */
function startCli(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [join(REPO_ROOT, "bin/outpost.js"), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const result: Cli = { code: null, signal: null, stdout: "", stderr: "" };
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (result.stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (result.stderr += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), CLI_TIMEOUT_MS);
  const done = new Promise<Cli>((resolve) =>
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ ...result, code, signal });
    }),
  );
  return { child, done };
}

const cli = (args: string[], env: NodeJS.ProcessEnv) => startCli(args, env).done;

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

test("outpost pull downloads from the Hugging Face endpoint with plain progress lines; models lists it; rm removes it", async (t) => {
  const { server, env, blob } = await setup(t);
  const pulled = await cli(["pull", STORIES], env);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.match(pulled.stderr, new RegExp(`pulling ${STORIES} from ${server.url}${HF_PATH}\\n`));
  assert.match(pulled.stderr, /pulling @cf\/karpathy\/tinyllamas-stories-260k +\d+%/);
  assert.ok(!pulled.stderr.includes("\r") && !pulled.stderr.includes("\x1b"), "no terminal control codes when stderr is not a TTY");
  assert.equal(pulled.stdout, `pulled ${STORIES} (1.1 MiB, sha256:${STORIES_SHA})\n`);
  assert.equal(sha256(blob), STORIES_SHA);

  const listed = await cli(["models"], env);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /@cf\/karpathy\/tinyllamas-stories-260k +text-generation +llama +store +1\.1 MiB/);
  assert.match(listed.stdout, /@cf\/karpathy\/tinyllamas-stories-260k-embeddings +text-embeddings +llama +no/);

  const removed = await cli(["rm", STORIES], env);
  assert.deepEqual([removed.code, removed.stdout], [0, `removed ${STORIES}\n`]);
  assert.equal(existsSync(blob), false);
  const again = await cli(["rm", STORIES], env);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /nothing is stored for/);
  assert.equal(server.requests.length, 1);
});

test("a pull killed with SIGKILL resumes after a restart with a Range request from its partial file", async (t) => {
  const { server, dataDir, env, blob } = await setup(t, { throttle: { chunkBytes: 32 * 1024, delayMs: 100 } });
  const partial = join(dataDir, "partials", `sha256-${STORIES_SHA}.partial`);
  const first = startCli(["pull", STORIES], env);
  const deadline = Date.now() + CLI_TIMEOUT_MS;
  while (((existsSync(partial) && statSync(partial).size) || 0) < 128 * 1024) {
    assert.ok(Date.now() < deadline && first.child.exitCode === null, "the first pull never got going");
    await sleep(50);
  }
  first.child.kill("SIGKILL");
  const killed = await first.done;
  assert.equal(killed.signal, "SIGKILL");
  const kept = statSync(partial).size;
  assert.ok(kept >= 128 * 1024 && kept < 1185376, `kept ${kept} bytes`);
  assert.equal(existsSync(blob), false, "nothing half-written reaches the blobs");
  assert.ok(existsSync(`${partial}.lock`), "the killed process left its lock behind");

  server.setFaults(HF_PATH, {});
  const second = await cli(["pull", STORIES], env);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(server.requests.length, 2);
  assert.equal(server.requests[1]?.range, `bytes=${kept}-`);
  assert.equal(server.requests[1]?.status, 206);
  assert.equal(server.requests[1]?.sentBytes, 1185376 - kept);
  assert.equal(sha256(blob), STORIES_SHA);
  assert.equal(existsSync(partial), false);
});

test("with a mirror configured, pull copies from it and touches no network", async (t) => {
  const { server, env, blob } = await setup(t);
  const pulled = await cli(["pull", STORIES], { ...env, OUTPOST_MODEL_MIRROR: MODEL_MIRROR });
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.ok(pulled.stderr.includes("from the mirror's stories260K.gguf"), pulled.stderr);
  assert.equal(server.requests.length, 0);
  assert.equal(sha256(blob), STORIES_SHA);
});

test("outpost run pulls a model that is not local first, then generates", async (t) => {
  const { server, env } = await setup(t);
  const ran = await cli(["run", STORIES, "Once upon a time"], env);
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(ran.stderr, /pulling @cf\/karpathy\/tinyllamas-stories-260k/);
  assert.match(ran.stderr, new RegExp(`pulled ${STORIES} `));
  assert.ok(ran.stdout.trim().length > 20, `generated: ${ran.stdout}`);
  assert.equal(server.requests.length, 1);
});

test("models add registers a custom GGUF that run and the HTTP API then serve; rm forgets it", async (t) => {
  const { env, dataDir } = await setup(t);
  const added = await cli(["models", "add", "my-story", STORIES_FILE, "--task", "text-generation", "--template", "bare"], env);
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, new RegExp(`^added my-story \\(text-generation, template bare, 1\\.1 MiB, sha256:${STORIES_SHA}\\)`));

  const ran = await cli(["run", "my-story", "Once upon a time"], env);
  assert.equal(ran.code, 0, ran.stderr);
  assert.ok(ran.stdout.trim().length > 20, `generated: ${ran.stdout}`);
  assert.doesNotMatch(ran.stderr, /pulling/, "already local");

  const listed = await cli(["models"], env);
  assert.match(listed.stdout, /my-story \(custom\) +text-generation +llama +store +1\.1 MiB +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);

  const server = await startServer({ "data-dir": dataDir, "model-mirror": "" });
  try {
    const response = await postJson(`${server.url}/ai/run/my-story`, { prompt: "Once upon a time", max_tokens: 8 });
    const body = (await response.json()) as { success: boolean; result: { response: string } };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.ok(body.result.response.length > 0);
  } finally {
    await server.stop();
  }

  const removed = await cli(["rm", "my-story"], env);
  assert.equal(removed.code, 0, removed.stderr);
  const gone = await cli(["run", "my-story", "hi"], env);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /No such model my-story/);
});

test("hostile names, schemes and paths are refused by the CLI", async (t) => {
  const { env, dataDir } = await setup(t);
  const cases: [string[], RegExp][] = [
    [["pull", "../../etc/passwd"], /Invalid model name/],
    [["pull", "/etc/passwd"], /Invalid model name/],
    [["rm", "@cf/../../x"], /Invalid model name/],
    [["models", "add", "../evil", STORIES_FILE, "--task", "text-generation"], /Invalid model name/],
    [["models", "add", "evil", "ftp://example.com/x.gguf", "--task", "text-generation"], /Unsupported URL scheme 'ftp:'/],
    [["models", "add", "evil", "http://example.com/x.gguf", "--task", "text-generation"], /only https URLs are pulled/],
    [["models", "add", STORIES, STORIES_FILE, "--task", "text-generation"], /is a catalog model/],
    [["models", "add", "evil", STORIES_FILE, "--task", "text-to-image"], /--task must be one of/],
  ];
  for (const [args, message] of cases) {
    const result = await cli(args, env);
    assert.equal(result.code, 1, args.join(" "));
    assert.match(result.stderr, message, args.join(" "));
  }
  assert.equal(existsSync(join(dataDir, "custom-models.json")), false);
});

test("the API starts, joins, lists and streams pulls, lists local models and removes them", async (t) => {
  const { server: files, env } = await setup(t, { throttle: { chunkBytes: 128 * 1024, delayMs: 40 } });
  const server = await startServer({ "model-mirror": "" }, { OUTPOST_HF_ENDPOINT: env.OUTPOST_HF_ENDPOINT });
  t.after(() => server.stop());

  const started = await postJson(`${server.url}/api/pull`, { model: STORIES });
  assert.equal(started.status, 202);
  const { result: status } = (await started.json()) as { result: { id: string; model: string; state: string } };
  assert.deepEqual([status.model, status.state], [STORIES, "pulling"]);
  const joined = (await (await postJson(`${server.url}/api/pull`, { model: STORIES })).json()) as { result: { id: string } };
  assert.equal(joined.result.id, status.id, "a second pull of the same model joins the first");

  const events = await fetch(`${server.url}/api/pulls/${status.id}/events`);
  assert.equal(events.headers.get("content-type"), "text/event-stream");
  const text = await events.text();
  const parsed = [...text.matchAll(/^event: (\w+)\ndata: (.*)\n\n/gm)].map((m) => ({ type: m[1], status: JSON.parse(m[2]!) }));
  assert.equal(parsed.at(-1)?.type, "done");
  assert.equal(parsed.at(-1)?.status.digest, `sha256:${STORIES_SHA}`);
  assert.ok(parsed.some((e) => e.type === "progress" && e.status.totalBytes === 1185376 && e.status.completedBytes > 0));
  assert.equal(files.requests.length, 1);

  const pulls = (await (await fetch(`${server.url}/api/pulls`)).json()) as { result: { id: string; state: string }[] };
  assert.deepEqual(
    pulls.result.map((p) => [p.id, p.state]),
    [[status.id, "done"]],
  );
  const one = await fetch(`${server.url}/api/pulls/${status.id}`);
  assert.equal(((await one.json()) as { result: { state: string } }).result.state, "done");
  assert.equal((await fetch(`${server.url}/api/pulls/no-such-id`)).status, 404);

  const ran = await postJson(`${server.url}/ai/run/${STORIES}`, { prompt: "Once upon a time", max_tokens: 8 });
  assert.equal(ran.status, 200, await ran.clone().text());

  const local = (await (await fetch(`${server.url}/api/models`)).json()) as { result: { model: string; location: string; sizeBytes: number }[] };
  assert.deepEqual(
    local.result.map((m) => [m.model, m.location, m.sizeBytes]),
    [[STORIES, "store", 1185376]],
  );
  const streamed = await postJson(`${server.url}/api/pull`, { model: STORIES, stream: true });
  assert.match(await streamed.text(), /event: done\ndata: [^\n]*"state":"done"[^\n]*\n\n$/, "an already stored model is done at once");

  const deleted = await fetch(`${server.url}/api/models/${STORIES}`, { method: "DELETE" });
  assert.equal(deleted.status, 200);
  const after = (await (await fetch(`${server.url}/api/models`)).json()) as { result: unknown[] };
  assert.deepEqual(after.result, []);
  const again = await fetch(`${server.url}/api/models/${STORIES}`, { method: "DELETE" });
  assert.equal(again.status, 404);

  const hostile = await postJson(`${server.url}/api/pull`, { model: "../../etc/passwd" });
  assert.equal(hostile.status, 400);
  assert.match(await hostile.text(), /Invalid model name/);
  assert.equal((await postJson(`${server.url}/api/pull`, { model: "@cf/unum/uform-gen2-qwen-500m" })).status, 501);
  assert.equal((await postJson(`${server.url}/api/pull`, { model: "@cf/no/such" })).status, 400);
  assert.equal((await postJson(`${server.url}/api/pull`, { models: STORIES })).status, 400);
  assert.equal((await fetch(`${server.url}/api/models/..%2F..%2Fetc%2Fpasswd`, { method: "DELETE" })).status, 400);
});

test("the API does not pull on a run request: a model that is not local answers 404 MODEL_NOT_LOCAL", async (t) => {
  const { server: files, env } = await setup(t);
  const server = await startServer({ "model-mirror": "" }, { OUTPOST_HF_ENDPOINT: env.OUTPOST_HF_ENDPOINT });
  t.after(() => server.stop());
  const response = await postJson(`${server.url}/ai/run/${STORIES}`, { prompt: "Once upon a time" });
  assert.equal(response.status, 404);
  const body = (await response.json()) as { errors: { code: number; message: string }[] };
  assert.equal(body.errors[0]?.code, 3042);
  assert.match(body.errors[0]?.message ?? "", /outpost pull @cf\/karpathy\/tinyllamas-stories-260k/);
  assert.equal(files.requests.length, 0);
});
