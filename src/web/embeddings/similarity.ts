/** Cosine similarity of two vectors of one length; 0 when either is all zeros. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Every pair's cosine similarity: a symmetric matrix with 1 on the diagonal (for non-zero vectors). */
export function similarityMatrix(vectors: readonly (readonly number[])[]): number[][] {
  return vectors.map((a) => vectors.map((b) => cosine(a, b)));
}

/**
 * The range the colours span: the smallest and largest similarity between different texts.
 * Small models put every text close together, so a fixed -1…1 scale would paint one colour;
 * the legend shows this range. A single text (or equal values) falls back to -1…1.
 */
export function colourRange(matrix: readonly (readonly number[])[]): { min: number; max: number } {
  const off = matrix.flatMap((row, i) => row.filter((_, j) => j !== i));
  const min = Math.min(...off);
  const max = Math.max(...off);
  return off.length === 0 || max - min < 1e-9 ? { min: -1, max: 1 } : { min, max };
}

/** Where `value` sits in the range, clamped to 0…1. */
export function position(value: number, range: { min: number; max: number }): number {
  return Math.min(1, Math.max(0, (value - range.min) / (range.max - range.min)));
}

/**
 * A cell's colours: one hue from pale (least similar) to deep blue (most), so order reads
 * as lightness alone, with text that stays readable on it (dark on light, white on dark).
 */
export function heatColours(t: number): { background: string; text: string } {
  const lightness = 95 - t * 65;
  return { background: `hsl(220 70% ${lightness.toFixed(0)}%)`, text: lightness < 60 ? "#fff" : "#111" };
}
