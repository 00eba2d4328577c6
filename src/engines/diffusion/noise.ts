/**
 * Seeded standard-normal noise. Outpost's own generator (xoshiro128** seeded by splitmix32,
 * Box–Muller for the normals), so a seed gives the same latents, and so the same PNG, on every
 * machine and Node version.
 */
export class Noise {
  #s: Uint32Array;
  #spare: number | undefined;

  constructor(seed: number) {
    // splitmix32 over both halves of the seed spreads small seeds (0, 1, 2…) over the state.
    let x = (seed >>> 0) ^ Math.floor(seed / 2 ** 32);
    const next = () => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#s = Uint32Array.of(next(), next(), next(), next());
  }

  /** Uniform in (0, 1). */
  #uniform(): number {
    let [a, b, c, d] = this.#s as unknown as [number, number, number, number];
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    this.#s.set([a, b, c, d]);
    return (result + 0.5) / 2 ** 32;
  }

  normal(): number {
    if (this.#spare !== undefined) {
      const spare = this.#spare;
      this.#spare = undefined;
      return spare;
    }
    const r = Math.sqrt(-2 * Math.log(this.#uniform()));
    const theta = 2 * Math.PI * this.#uniform();
    this.#spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** `length` normals. */
  normals(length: number): Float32Array {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) out[i] = this.normal();
    return out;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
