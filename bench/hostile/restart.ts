/**
 * Issue 14 item 3: how long a crash takes a model away from everyone else, on TinyStories-656K.
 * Each figure runs from the moment a client learns of the crash to the next successful answer
 * of a valid request: the runner's replacement as a waiting client sees it (spare taken, model
 * loaded, first answer). Before each crash the warm spare runners (node-llama-cpp imported,
 * getLlama done) are given time to finish starting, as a user would meet them.
 * - kill: the serving runner is SIGKILLed (as by the OOM killer) while idle. One crash per
 *   server: a second within a minute would wait out the restart backoff, not the restart.
 * - poison: a new input with `#` (outside the vocabulary) aborts llama.cpp. It costs two
 *   crashes (its first run, then its lone retry, which convicts it: 422); the second restart
 *   takes the second spare (--spare-runners 2, the default), as the first took the first.
 */
import { loadavg } from "node:os";
import { startOutpost, type OutpostServer } from "../serving/outpost.js";
import { percentile } from "../serving/stats.js";
import { metrics, send } from "./client.js";
import { runners, sparesReady } from "./spares.js";

/** Longest a recovery, or a spare's start, is waited for. */
const DEADLINE_MS = 30_000;
const VALID = JSON.stringify({ prompt: "Once upon a time", max_tokens: 8, temperature: 0 });

export interface RestartResult {
  crash: "kill" | "poison";
  crashes: number;
  /** Status → count of the crashing requests (poison: 422 POISON_INPUT once convicted). */
  crashStatuses: Record<string, number>;
  /** Poison sent → its answer, ms (kill: empty). */
  crashAnswerMs: number[];
  /** Crash known → first valid request succeeded, ms; one per crash that recovered. */
  restartMs: number[];
  /** Crashes with no successful answer within 30 s. */
  unrecovered: number;
  restartP50Ms: number;
  restartP99Ms: number;
  /** A valid request on the warm runner, p50: the floor under restartMs. */
  warmAnswerP50Ms: number;
  /** Spares that had not gone idle within 30 s before a crash (a busy machine). */
  sparesNotReady: number;
  /** outpost_runner_restarts_total over the crashes. */
  runnerRestarts: number;
  /** Mean 1-minute load average, sampled at each crash. */
  loadavg1: number;
}

/** Sends valid requests until one succeeds; ms from `sinceMs`, or undefined past the deadline. */
async function recovery(runUrl: string, sinceMs: number): Promise<number | undefined> {
  while (performance.now() - sinceMs < DEADLINE_MS) {
    if ((await send(runUrl, { body: VALID, deadlineMs: DEADLINE_MS })).status === 200) return performance.now() - sinceMs;
    await new Promise((r) => setTimeout(r, 10));
  }
  return undefined;
}

const restartsCounted = async (url: string) => (await metrics(url, ["outpost_runner_restarts_total"]))[0] || 0;

/** A server with the model loaded and warm; resolves with a warm request's latency. */
async function warmServer(flags: Record<string, string | number>, runUrlOf: (url: string) => string): Promise<{ server: OutpostServer; warmMs: number[] }> {
  const server = await startOutpost(flags);
  const warmMs: number[] = [];
  for (let i = 0; i < 4; i++) warmMs.push((await send(runUrlOf(server.url), { body: VALID, deadlineMs: DEADLINE_MS })).ms);
  return { server, warmMs: warmMs.slice(1) };
}

export async function restartTime(flags: Record<string, string | number>, model: string, crash: RestartResult["crash"], crashes: number): Promise<RestartResult> {
  const runUrlOf = (url: string) => `${url}/ai/run/${model}`;
  const result: RestartResult = { crash, crashes, crashStatuses: {}, crashAnswerMs: [], restartMs: [], unrecovered: 0, restartP50Ms: Number.NaN, restartP99Ms: Number.NaN, warmAnswerP50Ms: Number.NaN, sparesNotReady: 0, runnerRestarts: 0, loadavg1: Number.NaN };
  const loads: number[] = [];
  const warm: number[] = [];
  const record = (ms: number | undefined) => {
    loads.push(loadavg()[0] ?? Number.NaN);
    if (ms === undefined) result.unrecovered++;
    else result.restartMs.push(ms);
  };
  if (crash === "kill") {
    for (let i = 0; i < crashes; i++) {
      const { server, warmMs } = await warmServer(flags, runUrlOf);
      try {
        warm.push(...warmMs);
        if (!(await sparesReady(server, model, DEADLINE_MS))) result.sparesNotReady++;
        const [victim] = runners(server, model).serving;
        if (victim === undefined) throw new Error(`no runner of ${model} to kill`);
        process.kill(victim, "SIGKILL");
        record(await recovery(runUrlOf(server.url), performance.now()));
        result.crashStatuses.SIGKILL = (result.crashStatuses.SIGKILL ?? 0) + 1;
        result.runnerRestarts += await restartsCounted(server.url);
      } finally {
        await server.stop();
      }
    }
  } else {
    const { server, warmMs } = await warmServer(flags, runUrlOf);
    try {
      warm.push(...warmMs);
      for (let i = 0; i < crashes; i++) {
        if (!(await sparesReady(server, model, DEADLINE_MS))) result.sparesNotReady++;
        // A new input each time: a convicted one is refused without reaching a runner.
        const poison = await send(runUrlOf(server.url), { body: JSON.stringify({ prompt: `#${i}`, max_tokens: 8 }), deadlineMs: DEADLINE_MS });
        result.crashStatuses[poison.status] = (result.crashStatuses[poison.status] ?? 0) + 1;
        result.crashAnswerMs.push(poison.ms);
        record(await recovery(runUrlOf(server.url), performance.now()));
      }
      result.runnerRestarts = await restartsCounted(server.url);
    } finally {
      await server.stop();
    }
  }
  return { ...result, loadavg1: loads.reduce((a, b) => a + b, 0) / loads.length, restartP50Ms: percentile(result.restartMs, 50), restartP99Ms: percentile(result.restartMs, 99), warmAnswerP50Ms: percentile(warm, 50) };
}
