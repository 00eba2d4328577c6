import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { flagName, SETTINGS, type SettingName } from "../../src/config/index.js";
import { MODEL_MIRROR, REPO_ROOT, STORIES } from "../helpers/server.js";

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

  function outpost(args: string[], stdin?: string): Promise<Exit> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(REPO_ROOT, "bin/outpost.js"), ...args], {
        cwd: REPO_ROOT,
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
});
