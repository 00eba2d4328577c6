/**
 * The transformers.js tasks (translation, summarization, text and image classification,
 * reranking, object detection, image-to-text): requests/s and latency, Outpost over HTTP
 * against the transformers engine called in this process on the same random-weight stand-in,
 * with the job the task's own prepare() builds from the same inputs. Both sides run in
 * interleaved rounds at each concurrency, so drifting machine load hits them alike.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import sharp from "sharp";
import { toDescriptor } from "../../src/catalog/index.js";
import { MODELS } from "../../src/catalog/models.js";
import type { LoadedModel } from "../../src/contract/index.js";
import { TransformersEngine } from "../../src/engines/transformers/transformers-engine.js";
import { getTask } from "../../src/tasks/index.js";
import { MODEL_MIRROR } from "../../test/helpers/server.js";
import { estimate, formatEstimate, formatVerdict, halfWidth } from "./confidence.js";
import { formatLoad, interleave, onCores, type InterleaveOptions, type Interleaved } from "./interleave.js";
import { runForBytes, startOutpost } from "./outpost.js";
import type { BenchPart } from "./part.js";
import { commandLine, cpuMsOf, descendants } from "./proc.js";
import { fmt, table } from "./report.js";
import { percentile } from "./stats.js";

/** One row's model: its catalog id, the stand-in folder its artifact's mirror name points at, and one request. */
interface TaskCase {
  id: string;
  standin: string;
  inputs: (photo: number[]) => Record<string, unknown>;
}

const CASES: TaskCase[] = [
  { id: "@cf/meta/m2m100-1.2b", standin: "m2m100-tiny", inputs: () => ({ text: "The library garden had been neglected for years.", source_lang: "en", target_lang: "fr" }) },
  { id: "@cf/facebook/bart-large-cnn", standin: "bart-tiny", inputs: () => ({ input_text: "The library garden had been neglected for years, and the fountain had long since stopped. ".repeat(4), max_length: 32 }) },
  { id: "@cf/huggingface/distilbert-sst-2-int8", standin: "distilbert-sst2-tiny", inputs: () => ({ text: "What a wonderful day in the garden." }) },
  {
    id: "@cf/baai/bge-reranker-base",
    standin: "bge-reranker-tiny",
    inputs: () => ({ query: "Where is the fountain?", contexts: ["The fountain is in the garden.", "The library is closed.", "Paris is in France.", "Water flows downhill."].map((text) => ({ text })) }),
  },
  { id: "@cf/microsoft/resnet-50", standin: "resnet50-tiny", inputs: (photo) => ({ image: photo }) },
  { id: "@cf/facebook/detr-resnet-50", standin: "detr-tiny", inputs: (photo) => ({ image: photo }) },
  { id: "@outpost/vit-gpt2-tiny-standin", standin: "vit-gpt2-tiny", inputs: (photo) => ({ image: photo, max_tokens: 16 }) },
];

type Side = "direct" | "outpost";

export interface TaskRow {
  model: string;
  task: string;
  concurrency: number;
  requestsPerSide: number;
  directRps: number;
  outpostRps: number;
  /** Outpost's requests/s over direct's, per round. */
  ratios: number[];
  directP50Ms: number;
  directP99Ms: number;
  outpostP50Ms: number;
  outpostP99Ms: number;
  /**
   * CPU time per request, all rounds: direct is this process (onnxruntime's threads included);
   * outpost is the server, the model's runner (not a spare starting meanwhile) and this process
   * as the HTTP client. Unlike requests/s, other work on the machine barely moves it.
   */
  directCpuMs: number;
  outpostCpuMs: { server: number; runner: number; client: number };
  interleaved: Interleaved;
}

interface Loop {
  rps: number;
  latenciesMs: number[];
}

const ownCpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** `concurrency` clients, each sending `perClient` requests one after another. */
async function closedLoop(concurrency: number, perClient: number, send: () => Promise<void>): Promise<Loop> {
  const latenciesMs: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < perClient; i++) {
        const sent = performance.now();
        await send();
        latenciesMs.push(performance.now() - sent);
      }
    }),
  );
  return { rps: (concurrency * perClient) / ((performance.now() - start) / 1000), latenciesMs };
}

/** A mirror whose folders, named as the catalog's artifacts, link to the stand-ins. */
function standinMirror(cases: TaskCase[]): string {
  const dir = mkdtempSync(join(tmpdir(), "outpost-bench-standins-"));
  for (const c of cases) {
    const link = join(dir, entryOf(c.id).artifact!.fileName);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(resolve(MODEL_MIRROR, "standins", c.standin), link);
  }
  return dir;
}

function entryOf(id: string) {
  const entry = MODELS.find((m) => m.id === id);
  if (!entry?.artifact) throw new Error(`${id} is not a catalog model with files`);
  return entry;
}

export async function taskCost(cases: TaskCase[], concurrencies: number[], perClient: number, threads: number, options: InterleaveOptions, log: (line: string) => void): Promise<TaskRow[]> {
  const pixels = Buffer.alloc(320 * 240 * 3, 0);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7) & 0xff;
  const photo = [...(await sharp(pixels, { raw: { width: 320, height: 240, channels: 3 } }).jpeg().toBuffer())];
  const mirror = standinMirror(cases);
  const server = await startOutpost({ threads, "model-mirror": mirror, "keep-alive-ms": 600_000, slots: Math.max(...concurrencies) });
  const rows: TaskRow[] = [];
  try {
    for (const c of cases) {
      const entry = entryOf(c.id);
      const descriptor = toDescriptor(entry);
      const inputs = c.inputs(photo);
      const { job } = getTask(entry.task).prepare(inputs, descriptor);
      const body = JSON.stringify(inputs);
      const model: LoadedModel = await new TransformersEngine().load({ model: descriptor, path: resolve(MODEL_MIRROR, "standins", c.standin), slots: 1, threads });
      const send: Record<Side, () => Promise<void>> = {
        async direct() {
          const result = await model.run(job, new AbortController().signal);
          if (result.kind !== "json") throw new Error(`${c.id}: the engine answered ${result.kind}`);
        },
        // The serving part's lean keep-alive client, so the cost of fetch's layers is not counted as Outpost's.
        async outpost() {
          const { status, body: answer } = await runForBytes(server.url, c.id, body);
          if (status !== 200) throw new Error(`${c.id}: HTTP ${status} ${answer.toString()}`);
        },
      };
      try {
        log(`${entry.task} (${c.id}): warming both sides`);
        await send.direct();
        await send.outpost();
        // The runner names its model in its title once loaded (runner/main.ts).
        const runner = descendants(server.pid).find((pid) => commandLine(pid) === `outpost-runner ${c.id}`);
        if (runner === undefined) throw new Error(`${c.id}: no runner process names the model`);
        const outpostCpuMs = () => ({ server: cpuMsOf(server.pid), runner: cpuMsOf(runner) });
        for (const concurrency of concurrencies) {
          const loops: Record<Side, Loop[]> = { direct: [], outpost: [] };
          const cpu = { direct: 0, server: 0, runner: 0, client: 0 };
          const ratios = () => loops.outpost.map((l, i) => l.rps / (loops.direct[i]?.rps ?? Number.NaN));
          const interleaved = await interleave(
            ["direct", "outpost"] as const,
            async (side) => {
              const theirs = outpostCpuMs();
              const own = ownCpuMs();
              loops[side].push(await closedLoop(concurrency, perClient, send[side]));
              const ownUsed = ownCpuMs() - own;
              if (side === "direct") cpu.direct += ownUsed;
              else {
                const now = outpostCpuMs();
                cpu.server += now.server - theirs.server;
                cpu.runner += now.runner - theirs.runner;
                cpu.client += ownUsed;
              }
            },
            { ...options, enough: () => halfWidth(estimate(ratios())) <= 0.03 },
          );
          const requests = concurrency * perClient * interleaved.rounds;
          const all = (side: Side) => loops[side].flatMap((l) => l.latenciesMs);
          const rps = (side: Side) => percentile(loops[side].map((l) => l.rps), 50);
          rows.push({
            model: c.id,
            task: entry.task,
            concurrency,
            requestsPerSide: requests,
            directRps: rps("direct"),
            outpostRps: rps("outpost"),
            ratios: ratios(),
            directP50Ms: percentile(all("direct"), 50),
            directP99Ms: percentile(all("direct"), 99),
            outpostP50Ms: percentile(all("outpost"), 50),
            outpostP99Ms: percentile(all("outpost"), 99),
            directCpuMs: cpu.direct / requests,
            outpostCpuMs: { server: cpu.server / requests, runner: cpu.runner / requests, client: cpu.client / requests },
            interleaved,
          });
        }
      } finally {
        await model[Symbol.asyncDispose]();
      }
    }
  } finally {
    await server.stop();
    rmSync(mirror, { recursive: true, force: true });
  }
  return rows;
}

export const tasksPart: BenchPart = {
  name: "tasks",
  options: { "task-models": { type: "string", default: CASES.map((c) => c.standin).join(",") } },
  async run(ctx) {
    const wanted = ctx.flag("task-models").split(",");
    for (const name of wanted) if (!CASES.some((c) => c.standin === name)) throw new Error(`unknown --task-models entry '${name}'; known: ${CASES.map((c) => c.standin).join(", ")}`);
    const cases = CASES.filter((c) => wanted.includes(c.standin));
    const perClient = ctx.quick ? 2 : 6;
    const options = { minRounds: 6, maxRounds: 20, budgetMs: (ctx.quick ? 6 : 25) * 1000 };
    const rows: string[][] = [];
    for (const r of await taskCost(cases, [1, 4], perClient, ctx.threads, options, ctx.log)) {
      const ratio = estimate(r.ratios);
      ctx.out.write("transformers-task", { ...r, mode: ctx.mode, ratio, rounds: r.interleaved.rounds, load: r.interleaved.load });
      rows.push([r.task, r.model, String(r.concurrency), String(r.requestsPerSide), fmt(r.directRps, 1), fmt(r.outpostRps, 1), formatEstimate(ratio, "percent"), `${fmt(r.directP50Ms, 1)} / ${fmt(r.directP99Ms, 1)}`, `${fmt(r.outpostP50Ms, 1)} / ${fmt(r.outpostP99Ms, 1)}`, fmt(r.directCpuMs, 2), `${fmt(r.outpostCpuMs.server, 2)} + ${fmt(r.outpostCpuMs.runner, 2)} + ${fmt(r.outpostCpuMs.client, 2)}`, String(r.interleaved.rounds), formatLoad(r.interleaved.load), formatVerdict(ratio, { atLeast: 0.95 }, "≥ 95%", onCores(r.interleaved.load))]);
    }
    return [
      table(
        `Transformers tasks on the random-weight stand-ins (shared/models/standins), ${perClient} requests per client per round; outpost/direct req/s paired per round, median [95% interval]`,
        ["task", "model", "concurrency", "requests", "direct req/s", "outpost req/s", "outpost/direct", "direct p50/p99 ms", "outpost p50/p99 ms", "direct CPU ms/req", "outpost CPU ms/req: server + runner + client", "rounds", "load, steal, other", "target"],
        rows,
      ),
    ];
  },
};
