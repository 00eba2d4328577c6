/**
 * Text-to-speech: requests/s and latency, Outpost over HTTP against the espeak engine called in
 * this process (the same espeak-ng and lame programs per request), at each concurrency, the
 * sides in interleaved rounds so drifting machine load hits both alike.
 */
import { createHash } from "node:crypto";
import type { SpeechJob } from "../../src/contract/index.js";
import { EspeakEngine } from "../../src/engines/espeak/espeak-engine.js";
import { estimate, formatEstimate, formatVerdict, halfWidth } from "./confidence.js";
import { formatLoad, interleave, onCores, type InterleaveOptions, type Interleaved } from "./interleave.js";
import { startOutpost } from "./outpost.js";
import type { BenchPart } from "./part.js";
import { fmt, table } from "./report.js";
import { percentile } from "./stats.js";

const MODEL = "@outpost/espeak-ng";
const PROMPT = "The library garden had been neglected for years, and the fountain had long since stopped.";

export interface TtsRow {
  concurrency: number;
  requestsPerSide: number;
  directRps: number;
  outpostRps: number;
  /** Outpost's requests/s over direct's, per repeat: its share of direct throughput. */
  ratios: number[];
  directP50Ms: number;
  directP99Ms: number;
  outpostP50Ms: number;
  outpostP99Ms: number;
  /** Whether both sides made byte-identical MP3s. */
  sameBytes: boolean;
  interleaved: Interleaved;
}

interface Loop {
  rps: number;
  latenciesMs: number[];
  digests: Set<string>;
}

/** `concurrency` clients, each sending `perClient` requests one after another. */
async function closedLoop(concurrency: number, perClient: number, speak: () => Promise<Uint8Array>): Promise<Loop> {
  const latenciesMs: number[] = [];
  const digests = new Set<string>();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = 0; i < perClient; i++) {
        const sent = performance.now();
        digests.add(createHash("sha256").update(await speak()).digest("hex"));
        latenciesMs.push(performance.now() - sent);
      }
    }),
  );
  return { rps: (concurrency * perClient) / ((performance.now() - start) / 1000), latenciesMs, digests };
}

export async function ttsCost(concurrencies: number[], perClient: number, options: InterleaveOptions, log: (line: string) => void): Promise<TtsRow[]> {
  const model = await new EspeakEngine().load();
  const job: SpeechJob = { text: PROMPT, lang: "en", speed: 1, format: "mp3" };
  const direct = async () => {
    const result = await model.run(job, new AbortController().signal);
    if (result.kind !== "bytes") throw new Error("the espeak engine answered without audio");
    const chunks: Uint8Array[] = [];
    for await (const chunk of result.chunks) chunks.push(chunk);
    return Buffer.concat(chunks);
  };
  const server = await startOutpost({ slots: Math.max(...concurrencies), "keep-alive-ms": 600_000 });
  const viaHttp = async () => {
    const response = await fetch(`${server.url}/ai/run/${MODEL}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: PROMPT }) });
    if (response.status !== 200) throw new Error(`${MODEL}: HTTP ${response.status} ${await response.text()}`);
    return Buffer.from(((await response.json()) as { result: { audio: string } }).result.audio, "base64");
  };
  const rows: TtsRow[] = [];
  try {
    log("text-to-speech: warming both sides");
    await direct();
    await viaHttp();
    for (const concurrency of concurrencies) {
      const loops: Record<"direct" | "outpost", Loop[]> = { direct: [], outpost: [] };
      const ratios = () => loops.outpost.map((l, i) => l.rps / (loops.direct[i]?.rps ?? Number.NaN));
      const interleaved = await interleave(
        ["direct", "outpost"] as const,
        async (side, round) => {
          if (side === "direct") log(`text-to-speech concurrency ${concurrency} round ${round + 1}`);
          loops[side].push(await closedLoop(concurrency, perClient, side === "direct" ? direct : viaHttp));
        },
        { ...options, enough: () => halfWidth(estimate(ratios())) <= 0.03 },
      );
      const all = (side: "direct" | "outpost") => loops[side].flatMap((l) => l.latenciesMs);
      const rps = (side: "direct" | "outpost") => percentile(loops[side].map((l) => l.rps), 50);
      const digests = new Set([...loops.direct, ...loops.outpost].flatMap((l) => [...l.digests]));
      rows.push({
        concurrency,
        requestsPerSide: concurrency * perClient * interleaved.rounds,
        directRps: rps("direct"),
        outpostRps: rps("outpost"),
        ratios: ratios(),
        directP50Ms: percentile(all("direct"), 50),
        directP99Ms: percentile(all("direct"), 99),
        outpostP50Ms: percentile(all("outpost"), 50),
        outpostP99Ms: percentile(all("outpost"), 99),
        sameBytes: digests.size === 1,
        interleaved,
      });
    }
  } finally {
    await server.stop();
    await model[Symbol.asyncDispose]();
  }
  return rows;
}

export const ttsPart: BenchPart = {
  name: "tts",
  async run(ctx) {
    const perClient = ctx.quick ? 3 : 10;
    const options = { minRounds: 6, maxRounds: 20, budgetMs: (ctx.quick ? 10 : 40) * 1000 };
    const rows: string[][] = [];
    for (const r of await ttsCost([1, 4], perClient, options, ctx.log)) {
      const ratio = estimate(r.ratios);
      ctx.out.write("text-to-speech", { ...r, mode: ctx.mode, ratio, rounds: r.interleaved.rounds, load: r.interleaved.load });
      rows.push([String(r.concurrency), String(r.requestsPerSide), fmt(r.directRps, 2), fmt(r.outpostRps, 2), formatEstimate(ratio, "percent"), `${fmt(r.directP50Ms, 0)} / ${fmt(r.directP99Ms, 0)}`, `${fmt(r.outpostP50Ms, 0)} / ${fmt(r.outpostP99Ms, 0)}`, String(r.interleaved.rounds), formatLoad(r.interleaved.load), r.sameBytes ? "yes" : "NO", formatVerdict(ratio, { atLeast: 0.95 }, "≥ 95%", onCores(r.interleaved.load))]);
    }
    return [
      table(
        `Text-to-speech (@outpost/espeak-ng: espeak-ng + lame per request, a 91-character sentence to MP3), ${perClient} requests per client per round; outpost/direct req/s paired per round, median [95% interval]`,
        ["concurrency", "requests", "direct req/s", "outpost req/s", "outpost/direct", "direct p50/p99 ms", "outpost p50/p99 ms", "rounds", "load, steal, other", "same MP3", "target"],
        rows,
      ),
    ];
  },
};
