/** The server's runner processes as the hostile scenarios see them: which serves a model, which are spares, and when the spares are ready. */
import type { OutpostServer } from "../serving/outpost.js";
import { commandLine, cpuMsOf, descendants } from "../serving/proc.js";

/** The server's runners: the one serving `model` (its process title names it) and the rest (the spares). */
export function runners(server: OutpostServer, model: string): { serving: number[]; spares: number[] } {
  const all = descendants(server.pid);
  const serving = all.filter((pid) => commandLine(pid).includes(model));
  return { serving, spares: all.filter((pid) => !serving.includes(pid)) };
}

/**
 * How long the spares must stay unchanged: longer than the second the server waits after a
 * load before it replaces the spare that load took (scheduler/spare-runners.ts).
 */
const QUIET_MS = 1_500;

/**
 * Waits until spares exist and none has started, stopped or used CPU for QUIET_MS: they have
 * finished starting, and none is still to start. False after `deadlineMs`.
 */
export async function sparesReady(server: OutpostServer, model: string, deadlineMs: number): Promise<boolean> {
  const until = performance.now() + deadlineMs;
  let last = "";
  let quietSince = Number.NaN;
  while (performance.now() < until) {
    const spares = runners(server, model).spares;
    const cpu = spares.map((pid) => `${pid}:${cpuMsOf(pid)}`).join(" ");
    if (spares.length > 0 && cpu === last) {
      if (performance.now() - quietSince >= QUIET_MS) return true;
    } else {
      quietSince = performance.now();
    }
    last = cpu;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
