/**
 * Grammar cost: tokens/s with a 10-field JSON Schema against the same prompts unconstrained, on
 * the raw engine (node-llama-cpp's grammar, in this process) and through Outpost (JSON mode over
 * HTTP), one stream at a time, the four variants interleaved round by round (A B C D, D C B A).
 */
import { estimate, formatEstimate, formatVerdict, halfWidth, type Estimate } from "./confidence.js";
import { formatLoad, interleave, type InterleaveOptions, type Interleaved } from "./interleave.js";
import { benchModel, type BenchModel } from "./models.js";
import { startOutpost, streamRun } from "./outpost.js";
import type { BenchPart } from "./part.js";
import { RawEngine } from "./raw-engine.js";
import { fmt, table } from "./report.js";
import { percentile, type StreamResult } from "./stats.js";

/** The e2e suite's PERSON schema: every kind of field the grammar handles. */
export const TEN_FIELDS = {
  type: "object",
  properties: {
    name: { type: "string", maxLength: 24 },
    age: { type: "integer" },
    height: { type: "number" },
    member: { type: "boolean" },
    role: { enum: ["admin", "user", "guest"] },
    tags: { type: "array", items: { type: "string", maxLength: 12 }, maxItems: 3 },
    address: { type: "object", properties: { city: { type: "string", maxLength: 16 }, zip: { type: "string", maxLength: 8 } }, required: ["city"] },
    nickname: { type: ["string", "null"], maxLength: 12 },
    born: { type: "string", format: "date" },
    kind: { const: "person" },
  },
  required: ["name", "age", "role"],
};

export const GRAMMAR_VARIANTS = ["raw", "raw+grammar", "outpost", "outpost+grammar"] as const;
export type GrammarVariant = (typeof GRAMMAR_VARIANTS)[number];

export interface GrammarRow {
  variant: GrammarVariant;
  requests: number;
  failed: number;
  tokens: number;
  /** Decode rate of each request (tokens after the first over the time since the first), tokens/s. */
  decodeP50: number;
  decodeMin: number;
  decodeMax: number;
  /** For a +grammar variant: its decode rate over the unconstrained one's, paired per round. */
  ratio?: Estimate;
}

const decodeRate = (r: StreamResult) => (r.eventMs.length < 2 ? Number.NaN : ((r.tokens - 1) / ((r.eventMs.at(-1) ?? 0) - (r.eventMs[0] ?? 0))) * 1000);

export async function grammarCost(model: BenchModel, threads: number, serverFlags: Record<string, string | number>, options: InterleaveOptions, maxTokens: number): Promise<{ rows: GrammarRow[]; interleaved: Interleaved }> {
  const raw = await RawEngine.load({ modelPath: model.path(), contextTokens: model.contextTokens, sequences: 1, threads });
  const grammar = await raw.jsonSchemaGrammar(TEN_FIELDS);
  const server = await startOutpost({ ...serverFlags, slots: 1 });
  const results = new Map<GrammarVariant, StreamResult[]>(GRAMMAR_VARIANTS.map((v) => [v, []]));
  const inputs = (prompt: string) => ({ prompt, max_tokens: maxTokens, temperature: 0, raw: true });
  const run: Record<GrammarVariant, (prompt: string) => Promise<StreamResult>> = {
    raw: (prompt) => raw.generate(prompt, maxTokens),
    "raw+grammar": (prompt) => raw.generate(prompt, maxTokens, grammar),
    outpost: (prompt) => streamRun(server.url, model.catalogId, inputs(prompt)),
    "outpost+grammar": (prompt) => streamRun(server.url, model.catalogId, { ...inputs(prompt), response_format: { type: "json_schema", json_schema: TEN_FIELDS } }),
  };
  const ratios = (variant: GrammarVariant) => {
    const plain = results.get(variant.replace("+grammar", "") as GrammarVariant) ?? [];
    return estimate((results.get(variant) ?? []).map((r, i) => decodeRate(r) / decodeRate(plain[i] ?? r)));
  };
  let interleaved: Interleaved;
  try {
    for (const variant of GRAMMAR_VARIANTS) await run[variant](model.prompts[0] ?? ""); // warm: the first grammar is compiled
    const prompt = (round: number) => model.prompts[round % model.prompts.length] ?? "";
    interleaved = await interleave(GRAMMAR_VARIANTS, async (variant, round) => void results.get(variant)?.push(await run[variant](prompt(round))), { ...options, enough: () => halfWidth(ratios("outpost+grammar")) <= 0.03 });
  } finally {
    await server.stop();
    await raw[Symbol.asyncDispose]();
  }
  const rows = GRAMMAR_VARIANTS.map((variant): GrammarRow => {
    const all = results.get(variant) ?? [];
    const ok = all.filter((r) => r.status === 200 && r.eventMs.length > 1);
    const rates = ok.map(decodeRate);
    const ratio = variant.endsWith("+grammar") ? ratios(variant) : undefined;
    return { variant, requests: all.length, failed: all.length - ok.length, tokens: ok.reduce((s, r) => s + r.tokens, 0), decodeP50: percentile(rates, 50), decodeMin: Math.min(...rates), decodeMax: Math.max(...rates), ratio };
  });
  return { rows, interleaved };
}

/** Grammar-constrained decoding must keep ≥ 85 % of unconstrained speed through Outpost. */
const TARGET = { atLeast: 0.85 };

export const grammarPart: BenchPart = {
  name: "grammar",
  async run(ctx) {
    // Quick mode takes the smaller random model: the same code path, a quarter of the time per token.
    const model = ctx.prepare(benchModel(ctx.quick ? "gen-30m" : "gen-120m"));
    ctx.log(`grammar cost: ${model.name}, a 10-field schema against none, raw engine and Outpost, interleaved`);
    // Room for the whole 10-field value: a cut-off one would be an error, not a measurement.
    const { rows, interleaved } = await grammarCost(model, ctx.threads, ctx.serverFlags, { minRounds: 6, maxRounds: 24, budgetMs: (ctx.quick ? 20 : 90) * 1000 }, 256);
    for (const row of rows) ctx.out.write("grammar", { model: model.name, quantisation: model.quantisation, threads: ctx.threads, mode: ctx.mode, ...row, rounds: interleaved.rounds, load: interleaved.load });
    return [
      table(
        `Grammar cost: ${model.name}, one stream, greedy, ${interleaved.rounds} interleaved rounds (load, steal, other: ${formatLoad(interleaved.load)}); decode tokens/s per request`,
        ["variant", "requests", "failed", "tokens", "tok/s p50", "min–max", "vs unconstrained [95%]", "target"],
        rows.map((r) => [r.variant, String(r.requests), String(r.failed), String(r.tokens), fmt(r.decodeP50), `${fmt(r.decodeMin)}–${fmt(r.decodeMax)}`, r.ratio ? formatEstimate(r.ratio, "percent") : "", r.variant === "outpost+grammar" && r.ratio ? formatVerdict(r.ratio, TARGET, "≥ 85%") : ""]),
      ),
    ];
  },
};
