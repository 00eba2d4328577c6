/** Zero crossings of the sinc kernel on each side: 8 keeps the passband flat to ~90% of Nyquist. */
const ZERO_CROSSINGS = 8;

/**
 * Band-limited resampling with a Hann-windowed sinc kernel. When lowering the rate the kernel's
 * cutoff drops to the new Nyquist frequency, so what cannot be represented is filtered out
 * instead of folding back as aliasing.
 */
export function resample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return samples;
  const ratio = toRate / fromRate;
  const cutoff = Math.min(1, ratio);
  const halfWidth = Math.ceil(ZERO_CROSSINGS / cutoff);
  const out = new Float32Array(Math.max(1, Math.round(samples.length * ratio)));
  for (let n = 0; n < out.length; n++) {
    const center = n / ratio;
    const first = Math.max(0, Math.floor(center) - halfWidth + 1);
    const last = Math.min(samples.length - 1, Math.floor(center) + halfWidth);
    let sum = 0;
    let weights = 0;
    for (let k = first; k <= last; k++) {
      const x = center - k;
      const window = 0.5 + 0.5 * Math.cos((Math.PI * x) / halfWidth);
      const arg = Math.PI * cutoff * x;
      const weight = (arg === 0 ? 1 : Math.sin(arg) / arg) * window;
      sum += samples[k]! * weight;
      weights += weight;
    }
    // Normalising by the weights keeps DC gain at 1, also at the edges where the kernel is cut.
    out[n] = weights !== 0 ? sum / weights : 0;
  }
  return out;
}
