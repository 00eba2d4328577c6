/**
 * The ways the same text-generation workload is served, from the bare engine outwards, so a
 * gap between Outpost and node-llama-cpp can be pinned on a layer:
 * - raw:     node-llama-cpp in this process (the baseline the targets compare against);
 * - engine:  Outpost's LlamaEngine in this process (adds detokenizing and its event stream);
 * - runner:  Outpost's runner child process over IPC, driven here (adds the process hop);
 * - outpost: the whole server over HTTP + SSE (adds the scheduler, tasks, HTTP);
 * - peer:    another server already running (llama-server, vLLM, Ollama…), over its
 *            OpenAI-compatible /v1/completions (`--peer-url`, `--peer-model`): see peer.ts.
 *
 * A side is anything that opens into a ServingSide: it stays open for all of a cell's
 * interleaved trials, so a trial measures serving, not starting.
 */
import type { EngineLoadOptions, RunEvent, TextJob } from "../../src/contract/index.js";
import { createEngine } from "../../src/engines/index.js";
import { RunnerProcess } from "../../src/scheduler/index.js";
import type { BenchModel } from "./models.js";
import { startOutpost, streamRun } from "./outpost.js";
import { openPeer } from "./peer.js";
import { cpuMsOf } from "./proc.js";
import { RawEngine } from "./raw-engine.js";
import type { StreamResult } from "./stats.js";

export const SIDES = ["raw", "engine", "runner", "outpost", "peer"] as const;
export type Side = (typeof SIDES)[number];

export interface SideSetup {
  model: BenchModel;
  /** Streams at once: the side must hold that many sequences (Outpost: `--slots`). */
  concurrency: number;
  threads: number;
  /** Extra `outpost serve` flags (mirror, keep-alive). */
  serverFlags: Record<string, string | number>;
  /** For `peer`: the base URL of its OpenAI-compatible API (ending in /v1) and the model name it serves. */
  peer?: { url: string; model: string };
}

/** One side, opened: the model is loaded and warm, and it answers one request at a time per caller. */
export interface ServingSide extends AsyncDisposable {
  /** One greedy completion of `prompt`, `maxTokens` long, timed as a client sees its tokens arrive. */
  request(prompt: string, maxTokens: number): Promise<StreamResult>;
  /**
   * CPU time used so far by the processes this side runs apart from the benchmark's own (server,
   * runners), ms by name; the caller adds the benchmark process. Empty when they cannot be read.
   */
  cpuMs(): Record<string, number>;
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

async function eventsOf(startMs: number, run: Promise<{ kind: string; events?: AsyncIterable<RunEvent> }>): Promise<StreamResult> {
  const result = await run;
  if (result.kind !== "events" || !result.events) throw new Error("a generate job was answered without a stream");
  return collect(startMs, result.events);
}

export async function openSide(side: Side, setup: SideSetup): Promise<ServingSide> {
  const { model, concurrency, threads } = setup;
  const descriptor = { id: model.name, task: "text-generation", engine: "llama", chatTemplate: "bare", contextTokens: model.contextTokens, maxTokensDefault: 256, maxTokensStreamDefault: 256 } as const;
  const loadOptions: EngineLoadOptions = { model: descriptor, path: model.path(), slots: concurrency, threads };
  const signal = new AbortController().signal;
  switch (side) {
    case "raw": {
      const engine = await RawEngine.load({ modelPath: loadOptions.path, contextTokens: model.contextTokens, sequences: concurrency, threads });
      return { request: (prompt, maxTokens) => engine.generate(prompt, maxTokens), cpuMs: () => ({}), [Symbol.asyncDispose]: () => engine[Symbol.asyncDispose]() };
    }
    case "engine": {
      const loaded = await (await createEngine("llama")).load(loadOptions);
      return { request: (prompt, maxTokens) => eventsOf(performance.now(), loaded.run(job(prompt, maxTokens), signal)), cpuMs: () => ({}), [Symbol.asyncDispose]: () => loaded[Symbol.asyncDispose]() };
    }
    case "runner": {
      const runner = new RunnerProcess(model.name);
      try {
        await runner.load(loadOptions);
      } catch (error) {
        runner.kill();
        throw error;
      }
      return {
        request: (prompt, maxTokens) => eventsOf(performance.now(), runner.run(job(prompt, maxTokens), signal)),
        cpuMs: () => ({ runner: runner.pid === undefined ? 0 : cpuMsOf(runner.pid) }),
        [Symbol.asyncDispose]: async () => runner.kill(),
      };
    }
    case "outpost": {
      // Slots = concurrency: Outpost's context then holds as many sequences as the raw one.
      const server = await startOutpost({ ...setup.serverFlags, threads, slots: concurrency, "max-queue": 1024 });
      const inputs = (prompt: string, maxTokens: number) => ({ prompt, max_tokens: maxTokens, temperature: 0 });
      return { request: (prompt, maxTokens) => streamRun(server.url, model.catalogId, inputs(prompt, maxTokens)), cpuMs: () => server.cpuMs(), [Symbol.asyncDispose]: () => server.stop() };
    }
    case "peer": {
      if (!setup.peer) throw new Error("the peer side needs --peer-url and --peer-model");
      return openPeer(setup.peer.url, setup.peer.model);
    }
  }
}
