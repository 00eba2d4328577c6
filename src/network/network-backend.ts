import { OutpostError, parseResidency, type Backend, type EngineJob, type EngineResult, type ModelDescriptor, type ModelSearchItem, type ModelSearchParams, type Placement, type Residency, type RunEvent, type RunOptions } from "../contract/index.js";
import { MAX_ATTEMPTS } from "./constants.js";
import type { Membership } from "./membership.js";
import { plan, placementError, type Candidate, type PlacementQuery } from "./placement.js";
import { RemoteCaller, RetryableError, retryElsewhere } from "./transport.js";

export interface NetworkBackendOptions {
  /** This process's scheduler-backed backend: what "serve here" means. */
  local: Backend;
  membership: Membership;
  caller: RemoteCaller;
  self: Placement & { lat?: number; lon?: number };
  /** Per-account residency, from OUTPOST_RESIDENCY_POLICY; `*` applies to every account. */
  policy: Map<string, Residency>;
  /** Called for every request placed, with where and how (metrics, operations view). */
  onServed: (model: string, placement: Placement, route: "local" | "remote") => void;
  /** Load of this node changed (a local request started or ended): advertise. */
  onLoadChanged: () => void;
  /** Filled in: generation speed per model served here, tokens/s (smoothed), the advert's speed fingerprint. */
  tokensPerS: Record<string, number>;
}

/**
 * Backend of a node in the Outpost network. It serves here when this node has the model loaded
 * and a free slot; else on the nearest node with the model loaded and a free slot; else the
 * nearest that can load it; else the nearest with queue room; else QUEUE_FULL (429, 3040).
 * Every step respects residency, and a node that refuses, fails to accept in time or dies
 * before the first event only moves the request to the next candidate.
 */
export class NetworkBackend implements Backend {
  readonly #options: NetworkBackendOptions;

  constructor(options: NetworkBackendOptions) {
    this.#options = options;
  }

  describe(model: string): ModelDescriptor {
    return this.#options.local.describe(model);
  }

  search(params: ModelSearchParams): ModelSearchItem[] {
    return this.#options.local.search(params);
  }

  async execute(model: string, job: EngineJob, options: RunOptions): Promise<EngineResult> {
    this.describe(model);
    const { membership, self } = this.#options;
    const query: PlacementQuery = {
      model,
      residency: [options.residency, this.#accountPolicy(options.account)],
      allowQueue: options.rejectIfBusy !== true,
      origin: { lat: self.lat, lon: self.lon },
    };
    const tried = new Set<string>();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      if (options.signal?.aborted) throw new OutpostError("ABORTED", "The request was cancelled");
      const result = plan(membership.views(), query);
      const candidate = result.candidates.find((c) => !tried.has(c.node));
      if (!candidate) throw placementError(model, result, query);
      tried.add(candidate.node);
      try {
        return candidate.node === self.node ? await this.#runHere(candidate, model, job, options) : await this.#runRemote(candidate, model, job, options);
      } catch (error) {
        if (error instanceof RetryableError) {
          if (error.hung) membership.suspect(candidate.node);
          continue;
        }
        if (candidate.node === self.node && error instanceof OutpostError && retryElsewhere(error)) continue;
        throw error;
      }
    }
    throw new OutpostError("QUEUE_FULL", `Out of capacity: ${MAX_ATTEMPTS} nodes could not take ${model}`, { retryAfterS: 1 });
  }

  /** Runs on this node's scheduler: for requests placed here and for those other nodes send. */
  async serveHere(model: string, job: EngineJob, options: RunOptions): Promise<EngineResult> {
    this.#options.onLoadChanged();
    let result: EngineResult;
    try {
      result = await this.#options.local.execute(model, job, options);
    } catch (error) {
      this.#options.onLoadChanged();
      throw error;
    }
    if (result.kind !== "events") {
      this.#options.onLoadChanged();
      return result;
    }
    return { kind: "events", events: this.#measured(model, result.events) };
  }

  async #runHere(candidate: Candidate, model: string, job: EngineJob, options: RunOptions): Promise<EngineResult> {
    const result = await this.serveHere(model, job, admission(candidate, options));
    this.#placed(model, candidate, "local", options);
    return result;
  }

  async #runRemote(candidate: Candidate, model: string, job: EngineJob, options: RunOptions): Promise<EngineResult> {
    const { membership, caller } = this.#options;
    const reservation = membership.reserve(candidate.node, model, candidate.costMs);
    let result: EngineResult;
    try {
      result = await caller.call({ node: candidate.node, city: candidate.city, rttMs: membership.rttMs(candidate.node) }, model, job, admission(candidate, options));
    } catch (error) {
      membership.release(reservation);
      throw error;
    }
    this.#placed(model, candidate, "remote", options);
    return result;
  }

  #placed(model: string, candidate: Candidate, route: "local" | "remote", options: RunOptions): void {
    const placement: Placement = { city: candidate.city, region: candidate.region, node: candidate.node };
    this.#options.onServed(model, placement, route);
    options.onPlaced?.(placement);
  }

  #accountPolicy(account: string | undefined): Residency | undefined {
    const { policy } = this.#options;
    return (account !== undefined ? policy.get(account) : undefined) ?? policy.get("*");
  }

  #recordSpeed(model: string, rate: number): void {
    if (!Number.isFinite(rate)) return;
    const previous = this.#options.tokensPerS[model];
    this.#options.tokensPerS[model] = Math.round(previous === undefined ? rate : 0.8 * previous + 0.2 * rate);
  }

  async *#measured(model: string, events: AsyncIterable<RunEvent>): AsyncIterable<RunEvent> {
    let firstAt: number | undefined;
    let tokens = 0;
    try {
      for await (const event of events) {
        if (event.type === "token") {
          firstAt ??= performance.now();
          tokens += 1;
        }
        // Measured before yielding the last event: a consumer may stop pulling right after it.
        if (event.type === "done" && firstAt !== undefined && tokens > 8) this.#recordSpeed(model, tokens / ((performance.now() - firstAt) / 1000));
        yield event;
      }
    } finally {
      this.#options.onLoadChanged();
    }
  }
}

/**
 * How the chosen node admits the request. A free slot seen in a snapshot may be taken by the
 * time the request arrives: then the node refuses at once (rejectIfBusy) and the request moves
 * on instead of queueing there. The load tier waits for the model to load (that is the point of
 * choosing it), and the queue tier waits in the queue, unless the caller asked not to wait.
 */
function admission(candidate: Candidate, options: RunOptions): RunOptions {
  const mayWait = candidate.tier === "load" || candidate.tier === "queue";
  return { ...options, rejectIfBusy: mayWait ? options.rejectIfBusy : true };
}

/** Parses OUTPOST_RESIDENCY_POLICY: `account=region:eu,city:lis;other=region:us`. */
export function parsePolicy(spec: string): Map<string, Residency> {
  const policy = new Map<string, Residency>();
  for (const part of spec.split(";")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    if (eq <= 0) throw new OutpostError("INPUT_INVALID", `Invalid residency policy '${part}': expected account=region:<name>,city:<name>`);
    policy.set(part.slice(0, eq).trim(), parseResidency(part.slice(eq + 1)));
  }
  return policy;
}
