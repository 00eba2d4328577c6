import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { Pull } from "../store/index.js";
import { formatBytes, formatDuration, showPull } from "./progress.js";

/** A pull that moves 0 → 1 MiB over ~1 s, the way a download reports it. */
function fakePull(): Pull {
  return new Pull("@cf/test/model", async (pull) => {
    const total = 1024 * 1024;
    for (let done = 0; done <= total; done += total / 4) {
      pull.progress({ source: "https://example.com/model.gguf", completedBytes: done, totalBytes: total, receivedBytes: done });
      await sleep(300);
    }
    return "sha256:" + "0".repeat(64);
  });
}

function capture(isTTY: boolean) {
  const stream = new PassThrough() as PassThrough & { isTTY: boolean; columns: number };
  stream.isTTY = isTTY;
  stream.columns = 200;
  let text = "";
  stream.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

test("on a TTY the pull is one bar redrawn in place, with bytes, rate and ETA", async () => {
  const out = capture(true);
  await showPull(fakePull(), out.stream);
  const frames = out.text().split("\r\x1b[K").filter(Boolean);
  assert.ok(frames.length >= 3, out.text());
  assert.ok(frames.some((f) => /\[#{6}-{18}\] +25% +256 KiB \/ 1\.0 MiB +\d+(\.\d)? KiB\/s +ETA \ds/.test(f)), out.text());
  assert.match(frames.at(-1)!, /^pulling @cf\/test\/model +\[#{24}\] 100% +1\.0 MiB \/ 1\.0 MiB\n$/);
  assert.equal(out.text().split("\n").length, 2, "one line, ended once");
});

test("elsewhere the pull is plain lines, without control characters", async () => {
  const out = capture(false);
  await showPull(fakePull(), out.stream);
  const lines = out.text().trimEnd().split("\n");
  assert.equal(lines[0], "pulling @cf/test/model from https://example.com/model.gguf");
  assert.ok(lines.slice(1).every((l) => /^pulling @cf\/test\/model +\d+% +[\d.]+ (B|KiB|MiB) \/ 1\.0 MiB/.test(l)), out.text());
  assert.ok(!out.text().includes("\r") && !out.text().includes("\x1b"), "no control characters");
});

test("sizes and durations read as people write them", () => {
  assert.deepEqual([0, 1023, 1024, 1536, 10 * 1024 * 1024, 5 * 1024 ** 3].map(formatBytes), ["0 B", "1023 B", "1.0 KiB", "1.5 KiB", "10 MiB", "5.0 GiB"]);
  assert.deepEqual([0, 59, 60, 61, 3599, 3600, 7322].map(formatDuration), ["0s", "59s", "1m00s", "1m01s", "59m59s", "1h00m", "2h02m"]);
});

test("a failed pull ends on the failure, not on a full bar", async () => {
  const failing = () =>
    new Pull("@cf/test/model", async (pull) => {
      pull.progress({ source: "https://example.com/model.gguf", completedBytes: 1024, totalBytes: 1024, receivedBytes: 1024 });
      await sleep(50);
      throw new Error("sha256 mismatch");
    });
  for (const isTTY of [true, false]) {
    const out = capture(isTTY);
    const pull = failing();
    await Promise.all([showPull(pull, out.stream), pull.done.catch(() => undefined)]);
    const last = out.text().replaceAll("\r\x1b[K", "\n").split("\n").filter(Boolean).at(-1);
    assert.equal(last, "pulling @cf/test/model  failed after 1.0 KiB", out.text());
  }
});
