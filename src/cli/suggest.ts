/** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The closest candidate to a typo, if it is close enough: within a third of the typed length
 * (at least 1, at most 4 edits). Model ids also match on their last part, so
 * `tinyllamas-stories-26k` finds `@cf/karpathy/tinyllamas-stories-260k`.
 */
export function didYouMean(typed: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.min(4, Math.max(1, Math.floor(typed.length / 3)));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const tail = candidate.slice(candidate.lastIndexOf("/") + 1);
    const distance = Math.min(editDistance(typed, candidate), typed.includes("/") ? Infinity : editDistance(typed, tail));
    if (distance <= limit && (!best || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}
