/** What eviction needs to know of a loaded model. */
export interface EvictionCandidate {
  model: string;
  active: number;
  memoryBytes: number;
  lastUsedAt: number;
}

/**
 * Which loaded models to unload so that `needBytes` more fit under `budgetBytes`: idle ones
 * only, least recently used first. Returns undefined when even unloading every idle model is
 * not enough (the busy ones cannot be touched).
 */
export function pickEvictions(loaded: EvictionCandidate[], needBytes: number, budgetBytes: number): string[] | undefined {
  let used = loaded.reduce((sum, m) => sum + m.memoryBytes, 0);
  const evict: string[] = [];
  const idle = loaded.filter((m) => m.active === 0).sort((a, b) => a.lastUsedAt - b.lastUsedAt);
  for (const candidate of idle) {
    if (used + needBytes <= budgetBytes) break;
    evict.push(candidate.model);
    used -= candidate.memoryBytes;
  }
  return used + needBytes <= budgetBytes ? evict : undefined;
}
