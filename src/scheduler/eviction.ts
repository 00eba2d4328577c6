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

/** What a load may take of the VRAM budget, and which idle models leave to make that room. */
export interface VramPlan {
  evict: string[];
  /** VRAM the new model may use, in bytes: the budget less what the models that stay measured. */
  allowanceBytes: number;
}

/**
 * VRAM is a budget of its own: `loaded` carries each model's measured VRAM as `memoryBytes`.
 * Idle models are evicted LRU-first until `needBytes` fits. When busy models hold too much for
 * that, every idle one still goes and the new model gets what is left, its remaining layers
 * on the CPU: unlike RAM, a shortfall of VRAM slows a model down but does not stop it, and the
 * model asked for now is worth more of it than idle ones.
 */
export function planVram(loaded: EvictionCandidate[], needBytes: number, budgetBytes: number): VramPlan {
  const onGpu = loaded.filter((m) => m.memoryBytes > 0);
  const evict = pickEvictions(onGpu, needBytes, budgetBytes) ?? onGpu.filter((m) => m.active === 0).map((m) => m.model);
  const staying = onGpu.filter((m) => !evict.includes(m.model)).reduce((sum, m) => sum + m.memoryBytes, 0);
  return { evict, allowanceBytes: Math.max(0, budgetBytes - staying) };
}
