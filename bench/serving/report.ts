/** Output: JSON lines tagged with where and what was measured, and plain-text tables. */
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";

export interface Tags {
  device: { cpu: string; cores: number; platform: string };
  commit: string;
  node: string;
  timestamp: string;
}

export function environmentTags(repoRoot: string): Tags {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repoRoot, encoding: "utf8" }).trim();
  let commit = "unknown";
  try {
    commit = git("rev-parse", "--short", "HEAD") + (git("status", "--porcelain", "--untracked-files=no") ? "-dirty" : "");
  } catch {
    // not a git checkout: the commit stays unknown
  }
  return {
    device: { cpu: cpus()[0]?.model ?? "unknown", cores: availableParallelism(), platform: `${process.platform}-${process.arch}` },
    commit,
    node: process.version,
    timestamp: new Date().toISOString(),
  };
}

export class JsonLines {
  readonly path: string;
  readonly #tags: Tags;

  constructor(outDir: string, tags: Tags) {
    mkdirSync(outDir, { recursive: true });
    this.path = join(outDir, `serving-${tags.timestamp.replaceAll(":", "-")}.json`);
    this.#tags = tags;
  }

  /** One record; the 1-minute load average is kept with it, since a busy machine skews everything. */
  write(kind: string, record: Record<string, unknown>): void {
    appendFileSync(this.path, `${JSON.stringify({ bench: "serving", kind, ...this.#tags, loadavg1: loadavg()[0], ...record })}\n`);
  }
}

/** Fixed-width text table; numbers are formatted by the caller. */
export function table(title: string, header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [`\n${title}`, line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export const fmt = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : "-");
export const pct = (value: number): string => (Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : "-");
export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
