import type { PullStatus } from "./api.js";
import { formatBytes } from "./format.js";

/** A pull's progress bar with bytes, rate and time left. */
export function PullProgress({ status }: { status: PullStatus }) {
  const total = status.totalBytes;
  const parts = [total ? `${formatBytes(status.completedBytes)} of ${formatBytes(total)}` : formatBytes(status.completedBytes)];
  if (status.state === "pulling" && status.bytesPerSecond > 0) parts.push(`${formatBytes(status.bytesPerSecond)}/s`);
  if (status.state === "pulling" && status.etaS !== undefined) parts.push(`${Math.ceil(status.etaS)} s left`);
  if (status.state === "done") parts.push("done");
  return (
    <div class="pull" data-state={status.state}>
      <progress aria-label={`Pulling ${status.model}`} max={total ?? 1} value={total ? status.completedBytes : status.state === "done" ? 1 : undefined} />
      <span>{parts.join(" · ")}</span>
    </div>
  );
}
