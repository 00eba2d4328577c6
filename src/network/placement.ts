import { allows, formatResidency, isRestricted, OutpostError, type Residency } from "../contract/index.js";
import { KM_PER_RTT_MS } from "./constants.js";
import type { Advert } from "./types.js";

/**
 * Placement: pure functions over a snapshot of adverts, so the 100-city simulation in
 * bench/network drives exactly the code the nodes run.
 */

/** A node as a router sees it: its latest advert plus what the router measured. */
export interface NodeView extends Advert {
  /** Smoothed measured round trip from the router, in ms. */
  rttMs?: number;
  /** The router itself. */
  self: boolean;
  /** Failed to accept or went silent lately: still counted as capable, never a candidate. */
  suspect?: boolean;
}

/**
 * free: loaded with a free slot; load: can load it now; queue: room in its bounded queue;
 * busy: full as of its last advert. Adverts lag by up to ADVERT_MIN_GAP_MS plus a network
 * hop, so a busy node is still offered last, without queueing: the node itself knows whether a
 * slot just freed, and refuses at once (one round trip) if not.
 */
export type Tier = "free" | "load" | "queue" | "busy";
const TIER_ORDER: Record<Tier, number> = { free: 0, load: 1, queue: 2, busy: 3 };

export interface Candidate {
  node: string;
  city: string;
  region: string;
  tier: Tier;
  /** Estimated round trip from the router to the node, in ms (0 for the router itself). */
  costMs: number;
}

export interface PlacementQuery {
  model: string;
  /** Every one of these must allow the node (the request's own, the account's policy). */
  residency: (Residency | undefined)[];
  /** False for rejectIfBusy requests: never queue. */
  allowQueue: boolean;
  /** Router coordinates, for the distance to nodes that were never measured. */
  origin: { lat?: number; lon?: number };
}

export interface Plan {
  /** Best first: free, load, queue, busy; nearest first within a tier. */
  candidates: Candidate[];
  /** Nodes that have or could load the model, anywhere and inside the residency. */
  capable: number;
  capableInResidency: number;
}

const EARTH_RADIUS_KM = 6371;
/** Cost of a node with neither coordinates nor a measured round trip: after every known one. */
const UNKNOWN_COST_MS = 1e6;

export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Physics gives a lower bound on the round trip (distance through fibre); a measurement says
 * when the real path is worse. The larger of the two is the estimate. On one machine every
 * measurement is well under a millisecond, so coordinates decide, as they would across cities.
 */
export function costMs(origin: { lat?: number; lon?: number }, node: NodeView): number {
  if (node.self) return 0;
  const geo =
    origin.lat !== undefined && origin.lon !== undefined && node.lat !== undefined && node.lon !== undefined
      ? distanceKm({ lat: origin.lat, lon: origin.lon }, { lat: node.lat, lon: node.lon }) / KM_PER_RTT_MS
      : undefined;
  if (geo === undefined && node.rttMs === undefined) return UNKNOWN_COST_MS;
  return Math.max(geo ?? 0, node.rttMs ?? 0);
}

/** The best tier a node offers for a model, or undefined when it has not got it and cannot load it. */
export function tierOf(node: Advert, model: string, allowQueue: boolean): Tier | undefined {
  const load = node.models[model];
  const loadable = node.loadable.includes(model);
  if (!load?.loaded && !loadable) return undefined;
  const slots = load?.slots ?? node.slots;
  const active = load?.active ?? 0;
  if (active < slots) return load?.loaded ? "free" : "load";
  if (allowQueue && (load?.queued ?? 0) < (load?.maxQueue ?? node.maxQueue)) return "queue";
  return "busy";
}

function capable(node: Advert, model: string): boolean {
  return node.models[model]?.loaded === true || node.loadable.includes(model);
}

export function plan(nodes: readonly NodeView[], query: PlacementQuery): Plan {
  const allowed = (n: NodeView) => query.residency.every((r) => allows(r, n.city, n.region));
  const candidates: (Candidate & { free: number; queued: number })[] = [];
  let capableAnywhere = 0;
  let capableInResidency = 0;
  for (const node of nodes) {
    if (!capable(node, query.model)) continue;
    capableAnywhere += 1;
    if (!allowed(node)) continue;
    capableInResidency += 1;
    if (node.suspect) continue;
    const tier = tierOf(node, query.model, query.allowQueue);
    if (!tier) continue;
    const load = node.models[query.model];
    candidates.push({
      node: node.node,
      city: node.city,
      region: node.region,
      tier,
      costMs: costMs(query.origin, node),
      free: (load?.slots ?? node.slots) - (load?.active ?? 0),
      queued: load?.queued ?? 0,
    });
  }
  candidates.sort(
    (a, b) => TIER_ORDER[a.tier] - TIER_ORDER[b.tier] || a.costMs - b.costMs || b.free - a.free || a.queued - b.queued || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0),
  );
  return { candidates: candidates.map(({ free: _f, queued: _q, ...c }) => c), capable: capableAnywhere, capableInResidency };
}

/** The error for a request no node took: out of capacity, residency, or a model nobody has. */
export function placementError(model: string, result: Plan, query: PlacementQuery): OutpostError {
  const restricted = query.residency.filter(isRestricted);
  if (restricted.length > 0 && (result.capableInResidency === 0 || result.capable > result.capableInResidency)) {
    const where = restricted.map(formatResidency).join(" and ");
    const why = result.capableInResidency === 0 ? "no node there has it" : "every node there that has it is busy or unreachable";
    return new OutpostError("RESIDENCY_UNAVAILABLE", `No city allowed by residency ${where} can serve ${model} now (${why}); it is never served outside them`, { retryAfterS: 1 });
  }
  if (result.capable === 0) {
    return new OutpostError("MODEL_NOT_LOCAL", `No node in the Outpost network has ${model}; publish it with \`outpost models publish ${model}\``);
  }
  return new OutpostError("QUEUE_FULL", `Out of capacity: every city that can serve ${model} is busy`, { retryAfterS: 1 });
}
