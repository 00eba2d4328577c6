import type { PullStatus } from "../contract/index.js";
import type { Pull } from "../store/index.js";

const BAR_WIDTH = 24;
/** On a non-TTY, a line at least every this many percent... */
const LINE_EVERY_PERCENT = 10;
/** ...or this many ms, whichever comes first. */
const LINE_EVERY_MS = 5_000;

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}m`;
}

function percentOf(status: PullStatus): number | undefined {
  return status.totalBytes ? Math.floor((status.completedBytes * 100) / status.totalBytes) : undefined;
}

/** `42%  512 KiB / 1.2 MiB  2.1 MiB/s  ETA 3s`: what both renderings show. */
function describeProgress(status: PullStatus): string {
  const percent = percentOf(status);
  const parts = [
    percent === undefined ? "" : `${String(percent).padStart(3)}%`,
    `${formatBytes(status.completedBytes)}${status.totalBytes === undefined ? "" : ` / ${formatBytes(status.totalBytes)}`}`,
    status.bytesPerSecond > 0 ? `${formatBytes(status.bytesPerSecond)}/s` : "",
    status.etaS === undefined ? "" : `ETA ${formatDuration(status.etaS)}`,
  ];
  return parts.filter(Boolean).join("  ");
}

function bar(status: PullStatus): string {
  const filled = Math.round(((percentOf(status) ?? 0) * BAR_WIDTH) / 100);
  return `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
}

/**
 * Shows a pull until it ends: on a terminal one bar redrawn in place; otherwise (logs, CI)
 * plain lines, one per source and then every LINE_EVERY_PERCENT or LINE_EVERY_MS.
 */
export async function showPull(pull: Pull, out: NodeJS.WriteStream = process.stderr): Promise<void> {
  let lastSource: string | undefined;
  let lastBucket = -1;
  let lastLineMs = 0;
  for await (const { type, status } of pull.events()) {
    if (type === "error") {
      // The last word is the failure, not a bar that may read 100% (a file whose sha256 did not match).
      out.write(`${out.isTTY ? "\r\x1b[K" : ""}pulling ${pull.model}  failed after ${formatBytes(status.completedBytes)}\n`);
      continue;
    }
    if (out.isTTY) {
      const line = `pulling ${pull.model}  ${bar(status)} ${describeProgress(status)}`;
      out.write(`\r\x1b[K${line.slice(0, (out.columns || 120) - 1)}${type === "progress" ? "" : "\n"}`);
      continue;
    }
    if (type !== "progress" || status.source === undefined) continue;
    const bucket = Math.floor((percentOf(status) ?? 0) / LINE_EVERY_PERCENT);
    const now = Date.now();
    if (status.source !== lastSource) out.write(`pulling ${pull.model} from ${status.source}\n`);
    else if (bucket === lastBucket && now - lastLineMs < LINE_EVERY_MS) continue;
    out.write(`pulling ${pull.model}  ${describeProgress(status)}\n`);
    lastSource = status.source;
    lastBucket = bucket;
    lastLineMs = now;
  }
}
