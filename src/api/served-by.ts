import type { Context, MiddlewareHandler } from "hono";
import { parseResidency, type GatewayOutcome, type Placement, type RunOptions } from "../contract/index.js";
import { CACHE_STATUS_HEADER, LOG_ID_HEADER, SERVED_MODEL_HEADER } from "../binding/index.js";

/** Header naming the city (and node) that served a request, in network mode. */
export const SERVED_BY_HEADER = "x-outpost-city";
export const SERVED_BY_NODE_HEADER = "x-outpost-node";
/** Request header restricting where it may be served: `region:eu,city:lis`. */
export const RESIDENCY_HEADER = "x-outpost-residency";

const placements = new WeakMap<Request, Placement>();
const servedModels = new WeakMap<Request, string>();
const gatewayOutcomes = new WeakMap<Request, GatewayOutcome>();

/** Records the model that serves this request's run, for `servedByHeader`. */
export function noteServedModel(c: Context, model: string): void {
  servedModels.set(c.req.raw, model);
}

/** Records what a gateway did for `servedByHeader`: a fallback is the model that served. */
export function gatewayOutcomeOption(c: Context): Pick<RunOptions, "onGateway"> {
  return {
    onGateway: (outcome) => {
      gatewayOutcomes.set(c.req.raw, outcome);
      servedModels.set(c.req.raw, outcome.model);
    },
  };
}

/**
 * Network-mode options of a request: the account from the path, residency from the header,
 * and a callback that records where it was placed for `servedByHeader`.
 */
export function placementOptions(c: Context): Pick<RunOptions, "account" | "residency" | "onPlaced"> {
  const residency = c.req.header(RESIDENCY_HEADER);
  return {
    account: c.req.param("account"),
    residency: residency === undefined ? undefined : parseResidency(residency),
    onPlaced: (placement) => placements.set(c.req.raw, placement),
  };
}

/** Adds the served model to every run that succeeded (a gateway's cache status and log id with it), and the serving city to every response whose request was placed (streams included: placement precedes the first byte). */
export const servedByHeader: MiddlewareHandler = async (c, next) => {
  await next();
  const served = servedModels.get(c.req.raw);
  if (served && c.res.ok && !c.res.headers.has(SERVED_MODEL_HEADER)) c.res.headers.set(SERVED_MODEL_HEADER, served);
  const outcome = gatewayOutcomes.get(c.req.raw);
  if (outcome) {
    c.res.headers.set(CACHE_STATUS_HEADER, outcome.cacheStatus);
    c.res.headers.set(LOG_ID_HEADER, outcome.logId);
    c.res.headers.set(SERVED_MODEL_HEADER, outcome.model);
  }
  const placement = placements.get(c.req.raw);
  if (!placement) return;
  c.res.headers.set(SERVED_BY_HEADER, placement.city);
  c.res.headers.set(SERVED_BY_NODE_HEADER, placement.node);
};
