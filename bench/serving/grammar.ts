/**
 * Grammar cost: tokens/s with a 10-field JSON Schema against the same prompts unconstrained, on
 * the raw engine (node-llama-cpp's grammar, in this process) and through Outpost (JSON mode over
 * HTTP), one stream at a time, the four variants interleaved round by round.
 */
import { startOutpost, streamRun } from "./outpost.js";
import { RawEngine } from "./raw-engine.js";
import type { BenchModel } from "./models.js";
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
}

const decodeRate = (r: StreamResult) => (r.eventMs.length < 2 ? Number.NaN : ((r.tokens - 1) / ((r.eventMs.at(-1) ?? 0) - (r.eventMs[0] ?? 0))) * 1000);

export async function grammarCost(model: BenchModel, threads: number, serverFlags: Record<string, string | number>, rounds: number, maxTokens: number): Promise<GrammarRow[]> {
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
  try {
    for (let round = 0; round < rounds; round++) {
      const prompt = model.prompts[round % model.prompts.length] ?? "";
      const order = round % 2 === 0 ? GRAMMAR_VARIANTS : [...GRAMMAR_VARIANTS].reverse();
      for (const variant of order) results.get(variant)?.push(await run[variant](prompt));
    }
  } finally {
    await server.stop();
    await raw[Symbol.asyncDispose]();
  }
  return GRAMMAR_VARIANTS.map((variant) => {
    const all = results.get(variant) ?? [];
    const ok = all.filter((r) => r.status === 200 && r.eventMs.length > 1);
    const rates = ok.map(decodeRate);
    return { variant, requests: all.length, failed: all.length - ok.length, tokens: ok.reduce((s, r) => s + r.tokens, 0), decodeP50: percentile(rates, 50), decodeMin: Math.min(...rates), decodeMax: Math.max(...rates) };
  });
}
