/**
 * The four ways the same workload is served, from the bare engine outwards, so a gap between
 * Outpost and node-llama-cpp can be pinned on a layer:
 * - raw:     node-llama-cpp in this process (the baseline the targets compare against);
 * - engine:  Outpost's LlamaEngine in this process (adds detokenizing and its event stream);
 * - runner:  Outpost's runner child process over IPC, driven here (adds the process hop);
 * - outpost: the whole server over HTTP + SSE (adds the scheduler, tasks, HTTP).
 */
import type { EngineLoadOptions, RunEvent, TextJob } from "../../src/contract/index.js";
import { createEngine } from "../../src/engines/index.js";
import { RunnerProcess } from "../../src/scheduler/index.js";
import type { BenchModel } from "./models.js";
import { startOutpost, streamRun } from "./outpost.js";
import { cpuMsOf, machineBusyMs } from "./proc.js";
import { RawEngine } from "./raw-engine.js";
import { runClients, type PromptResult, type StreamResult } from "./stats.js";

export const SIDES = ["raw", "engine", "runner", "outpost"] as const;
export type Side = (typeof SIDES)[number];

export interface Workload {
  /** Tokens asked for per request. */
  maxTokens: number;
  /** Requests each client sends one after another. */
  rounds: number;
}

export interface SideSetup {
  model: BenchModel;
  concurrency: number;
  threads: number;
  workload: Workload;
  /** Extra `outpost serve` flags (mirror, keep-alive). */
  serverFlags: Record<string, string | number>;
}

export interface SideRun {
  results: PromptResult[];
  /** CPU time per process group during the measured part (warm-up excluded), ms. */
  cpuMs: Record<string, number>;
  /** CPU time the whole machine was busy meanwhile, ms: the excess over `cpuMs` is other work. */
  machineBusyMs: number;
  wallMs: number;
}

const processCpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** Runs `measure` after `warmUp`, charging this process's CPU (plus `others`) to the measured part. */
async function measured(warmUp: () => Promise<unknown>, measure: () => Promise<PromptResult[]>, others: () => Record<string, number> = () => ({})): Promise<SideRun> {
  await warmUp();
  const before = { bench: processCpuMs(), ...others() };
  const [busyBefore, startMs] = [machineBusyMs(), performance.now()];
  const results = await measure();
  const [busyAfter, endMs] = [machineBusyMs(), performance.now()];
  const after = { bench: processCpuMs(), ...others() };
  const cpuMs = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k as keyof typeof before] ?? 0)]));
  return { results, cpuMs, machineBusyMs: busyAfter - busyBefore, wallMs: endMs - startMs };
}

/** Outpost's job for a prompt, as the text-generation task builds it for a bare-template model. */
function job(prompt: string, maxTokens: number): TextJob {
  return { kind: "generate", prompt: [{ text: prompt, special: false }], sampling: { maxTokens, temperature: 0 } };
}

/**
 * Times an Outpost event stream the way the HTTP client times SSE events. A thrown error or
 * an error event counts as a failed request (status 500), as the server would answer it.
 */
async function collect(startMs: number, events: AsyncIterable<RunEvent>): Promise<StreamResult> {
  const eventMs: number[] = [];
  let text = "";
  const failed = () => ({ status: 500, startMs, eventMs, endMs: performance.now(), tokens: 0, text });
  try {
    for await (const event of events) {
      if (event.type === "token") {
        eventMs.push(performance.now());
        text += event.text;
      } else if (event.type === "done") {
        return { status: 200, startMs, eventMs, endMs: performance.now(), tokens: event.usage.completion_tokens, text };
      } else {
        return failed();
      }
    }
  } catch {
    return failed();
  }
  return failed();
}

export async function runSide(side: Side, setup: SideSetup): Promise<SideRun> {
  const { model, concurrency, threads, workload } = setup;
  const warmPrompt = model.prompts[0] ?? "";
  const clients = (request: (prompt: string) => Promise<StreamResult>) => () => runClients(concurrency, workload.rounds, model.prompts, request);
  const descriptor = { id: model.name, task: "text-generation", engine: "llama", chatTemplate: "bare", contextTokens: model.contextTokens, maxTokensDefault: 256, maxTokensStreamDefault: 256 } as const;
  const loadOptions: EngineLoadOptions = { model: descriptor, path: model.path(), slots: concurrency, threads };
  switch (side) {
    case "raw": {
      await using engine = await RawEngine.load({ modelPath: loadOptions.path, contextTokens: model.contextTokens, sequences: concurrency, threads });
      return await measured(() => engine.generate(warmPrompt, 4), clients((prompt) => engine.generate(prompt, workload.maxTokens)));
    }
    case "engine": {
      await using loaded = await (await createEngine("llama")).load(loadOptions);
      const signal = new AbortController().signal;
      const request = async (prompt: string, maxTokens: number) => {
        const startMs = performance.now();
        const result = await loaded.run(job(prompt, maxTokens), signal);
        if (result.kind !== "events") throw new Error("the engine answered a generate job without a stream");
        return collect(startMs, result.events);
      };
      return await measured(() => request(warmPrompt, 4), clients((prompt) => request(prompt, workload.maxTokens)));
    }
    case "runner": {
      const runner = new RunnerProcess(model.name);
      try {
        await runner.load(loadOptions);
        const signal = new AbortController().signal;
        const request = async (prompt: string, maxTokens: number) => {
          const startMs = performance.now();
          const result = await runner.run(job(prompt, maxTokens), signal);
          if (result.kind !== "events") throw new Error("the runner answered a generate job without a stream");
          return collect(startMs, result.events);
        };
        const runnerCpu = () => ({ runner: runner.pid === undefined ? 0 : cpuMsOf(runner.pid) });
        return await measured(() => request(warmPrompt, 4), clients((prompt) => request(prompt, workload.maxTokens)), runnerCpu);
      } finally {
        runner.kill();
      }
    }
    case "outpost": {
      const catalogId = model.catalogId;
      // Slots = concurrency: Outpost's context then holds as many sequences as the raw one.
      const server = await startOutpost({ ...setup.serverFlags, threads, slots: concurrency, "max-queue": 1024 });
      try {
        const inputs = (prompt: string, maxTokens: number) => ({ prompt, max_tokens: maxTokens, temperature: 0 });
        return await measured(
          () => streamRun(server.url, catalogId, inputs(warmPrompt, 4)),
          clients((prompt) => streamRun(server.url, catalogId, inputs(prompt, workload.maxTokens))),
          () => server.cpuMs(),
        );
      } finally {
        await server.stop();
      }
    }
  }
}
