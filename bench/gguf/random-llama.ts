/**
 * Writes a llama-architecture GGUF with random weights from a seeded PRNG: the same shape and
 * seed give the same bytes, so a benchmark model is regenerated on demand instead of stored.
 * The weights are noise; only the shapes (and so the compute per token) are realistic.
 */
import { closeSync, openSync, renameSync, writeSync } from "node:fs";
import { ByteWriter, GGUF_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, TensorType, ValueType, type MetaValue } from "./format.js";

export interface LlamaShape {
  /** Transformer blocks. */
  nLayer: number;
  /** Hidden size; must divide by nHead. */
  nEmbd: number;
  nHead: number;
  /** Key/value heads (grouped-query attention); must divide nHead. */
  nHeadKv: number;
  /** Feed-forward hidden size. */
  nFf: number;
  /** Context length written to the metadata, in tokens. */
  contextTokens: number;
}

export interface RandomLlamaOptions {
  name: string;
  shape: LlamaShape;
  /** Matrices in F16 (half the bytes) or F32; norms are always F32, as llama.cpp writes them. */
  type: "F16" | "F32";
  seed: number;
  /** Tokenizer keys (`tokenizer.ggml.*`) copied from a real model; sets the vocabulary size. */
  tokenizer: Map<string, MetaValue>;
}

/** Standard deviation of the random weights: the usual transformer init, keeps activations finite. */
const WEIGHT_STD = 0.02;
const RMS_EPSILON = 1e-5;
const ROPE_FREQ_BASE = 10_000;
/** Values generated per write; bounds memory whatever the model size. */
const CHUNK_VALUES = 1 << 20;

interface TensorSpec {
  name: string;
  /** ggml order: ne0 (the contiguous row length) first. */
  dims: number[];
  type: TensorType;
  /** Norm weights are ones; everything else is noise, except rows of `zeroRows` (ne1 indexes). */
  fill: "ones" | "random";
  zeroRows?: Set<number>;
}

/** llama.cpp token types (llama_token_type): only NORMAL tokens are ever generated here. */
const TOKEN_TYPE_NORMAL = 1;

/**
 * Token ids whose output row is zeroed, so their logit is exactly 0 while the normal tokens'
 * random logits peak well above it: greedy decoding never emits control tokens (EOS: every
 * request runs to max_tokens) or byte-fallback pieces (stray bytes make no UTF-8, which a
 * streaming detokenizer holds back, skewing time-to-first-token and inter-token latency).
 */
export function silencedTokens(tokenizer: Map<string, MetaValue>): Set<number> {
  const types = tokenizer.get("tokenizer.ggml.token_type");
  if (types?.type !== ValueType.ARRAY) throw new Error("tokenizer metadata lacks tokenizer.ggml.token_type");
  return new Set(types.items.flatMap((type, id) => (Number(type) === TOKEN_TYPE_NORMAL ? [] : [id])));
}

export function vocabSize(tokenizer: Map<string, MetaValue>): number {
  const tokens = tokenizer.get("tokenizer.ggml.tokens");
  if (tokens?.type !== ValueType.ARRAY) throw new Error("tokenizer metadata lacks tokenizer.ggml.tokens");
  return tokens.items.length;
}

function tensorSpecs(shape: LlamaShape, vocab: number, type: TensorType, silenced = new Set<number>()): TensorSpec[] {
  const { nEmbd, nFf } = shape;
  const nEmbdKv = (nEmbd / shape.nHead) * shape.nHeadKv;
  const matrix = (name: string, dims: number[]): TensorSpec => ({ name, dims, type, fill: "random" });
  const norm = (name: string): TensorSpec => ({ name, dims: [nEmbd], type: TensorType.F32, fill: "ones" });
  const specs = [matrix("token_embd.weight", [nEmbd, vocab]), norm("output_norm.weight"), { ...matrix("output.weight", [nEmbd, vocab]), zeroRows: silenced }];
  for (let i = 0; i < shape.nLayer; i++) {
    specs.push(
      norm(`blk.${i}.attn_norm.weight`),
      matrix(`blk.${i}.attn_q.weight`, [nEmbd, nEmbd]),
      matrix(`blk.${i}.attn_k.weight`, [nEmbd, nEmbdKv]),
      matrix(`blk.${i}.attn_v.weight`, [nEmbd, nEmbdKv]),
      matrix(`blk.${i}.attn_output.weight`, [nEmbd, nEmbd]),
      norm(`blk.${i}.ffn_norm.weight`),
      matrix(`blk.${i}.ffn_gate.weight`, [nEmbd, nFf]),
      matrix(`blk.${i}.ffn_down.weight`, [nFf, nEmbd]),
      matrix(`blk.${i}.ffn_up.weight`, [nEmbd, nFf]),
    );
  }
  return specs;
}

/** Weights the model holds: what "30M parameters" counts. */
export function parameterCount(shape: LlamaShape, vocab: number): number {
  return tensorSpecs(shape, vocab, TensorType.F32).reduce((sum, t) => sum + t.dims.reduce((a, b) => a * b, 1), 0);
}

/** mulberry32: a tiny, fast 32-bit PRNG; quality is ample for noise weights. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary32 → binary16 bits, round to nearest even (subnormals and overflow handled). */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (half + (rest > midpoint || (rest === midpoint && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent.
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

const u32Meta = (value: number): MetaValue => ({ type: ValueType.UINT32, value });

/** Writes the model to `path` (through a temporary file, so a partial file is never left there). */
export function writeRandomLlama(path: string, options: RandomLlamaOptions): void {
  const { shape } = options;
  if (shape.nEmbd % shape.nHead !== 0 || shape.nHead % shape.nHeadKv !== 0) throw new Error("nEmbd must divide by nHead and nHead by nHeadKv");
  const vocab = vocabSize(options.tokenizer);
  const matrixType = options.type === "F16" ? TensorType.F16 : TensorType.F32;
  const specs = tensorSpecs(shape, vocab, matrixType, silencedTokens(options.tokenizer));
  const metadata = new Map<string, MetaValue>([
    ["general.architecture", { type: ValueType.STRING, value: "llama" }],
    ["general.name", { type: ValueType.STRING, value: options.name }],
    // llama_ftype: 0 all F32, 1 mostly F16.
    ["general.file_type", u32Meta(matrixType === TensorType.F16 ? 1 : 0)],
    ["llama.vocab_size", u32Meta(vocab)],
    ["llama.context_length", u32Meta(shape.contextTokens)],
    ["llama.embedding_length", u32Meta(shape.nEmbd)],
    ["llama.block_count", u32Meta(shape.nLayer)],
    ["llama.feed_forward_length", u32Meta(shape.nFf)],
    ["llama.rope.dimension_count", u32Meta(shape.nEmbd / shape.nHead)],
    ["llama.rope.freq_base", { type: ValueType.FLOAT32, value: ROPE_FREQ_BASE }],
    ["llama.attention.head_count", u32Meta(shape.nHead)],
    ["llama.attention.head_count_kv", u32Meta(shape.nHeadKv)],
    ["llama.attention.layer_norm_rms_epsilon", { type: ValueType.FLOAT32, value: RMS_EPSILON }],
    ...options.tokenizer,
  ]);

  const header = new ByteWriter();
  header.u32(GGUF_MAGIC);
  header.u32(GGUF_VERSION);
  header.u64(specs.length);
  header.u64(metadata.size);
  for (const [key, value] of metadata) header.keyValue(key, value);
  let offset = 0;
  const sizes = specs.map((t) => t.dims.reduce((a, b) => a * b, 1) * (t.type === TensorType.F16 ? 2 : 4));
  for (const [i, t] of specs.entries()) {
    header.string(t.name);
    header.u32(t.dims.length);
    for (const d of t.dims) header.u64(d);
    header.u32(t.type);
    header.u64(offset);
    offset += sizes[i] ?? 0;
    offset += (GGUF_ALIGNMENT - (offset % GGUF_ALIGNMENT)) % GGUF_ALIGNMENT;
  }
  header.pad(GGUF_ALIGNMENT);

  const partial = `${path}.partial`;
  const fd = openSync(partial, "w");
  try {
    writeSync(fd, header.bytes());
    const random = mulberry32(options.seed);
    const scale = WEIGHT_STD * Math.sqrt(3); // uniform on [-a, a] has std a/sqrt(3)
    const chunk = Buffer.alloc(CHUNK_VALUES * 4);
    for (const [i, t] of specs.entries()) {
      const bytesPerValue = t.type === TensorType.F16 ? 2 : 4;
      const rowLength = t.dims[0] ?? 1;
      const total = (sizes[i] ?? 0) / bytesPerValue;
      let left = total;
      while (left > 0) {
        const n = Math.min(left, CHUNK_VALUES);
        const first = total - left;
        for (let j = 0; j < n; j++) {
          const noise = (random() * 2 - 1) * scale;
          const value = t.fill === "ones" ? 1 : t.zeroRows?.has(Math.floor((first + j) / rowLength)) ? 0 : noise;
          if (bytesPerValue === 2) chunk.writeUInt16LE(toHalf(value), j * 2);
          else chunk.writeFloatLE(value, j * 4);
        }
        writeSync(fd, chunk, 0, n * bytesPerValue);
        left -= n;
      }
      const padding = (GGUF_ALIGNMENT - ((sizes[i] ?? 0) % GGUF_ALIGNMENT)) % GGUF_ALIGNMENT;
      if (padding > 0) writeSync(fd, Buffer.alloc(padding));
    }
  } finally {
    closeSync(fd);
  }
  renameSync(partial, path);
}
