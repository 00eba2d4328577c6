/** The simulation's event queue: a binary min-heap on time, FIFO among equal times. */
export class Heap {
  readonly #items: { t: number; seq: number; fn: () => void }[] = [];
  #seq = 0;
  push(t: number, fn: () => void): void {
    const items = this.#items;
    items.push({ t, seq: this.#seq++, fn });
    let i = items.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.#less(items[p]!, items[i]!)) break;
      [items[p], items[i]] = [items[i]!, items[p]!];
      i = p;
    }
  }
  pop(): { t: number; fn: () => void } | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.#less(items[l]!, items[m]!)) m = l;
        if (r < items.length && this.#less(items[r]!, items[m]!)) m = r;
        if (m === i) break;
        [items[m], items[i]] = [items[i]!, items[m]!];
        i = m;
      }
    }
    return top;
  }
  #less(a: { t: number; seq: number }, b: { t: number; seq: number }): boolean {
    return a.t < b.t || (a.t === b.t && a.seq < b.seq);
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
