import type { Context, MiddlewareHandler } from "hono";
import { modelAllowed, OutpostError, UNAUTHENTICATED_ACCOUNT, UNKNOWN_MODEL, type ErrorCode, type RequestRecord } from "../contract/index.js";
import { principalOf, sourceOf } from "./auth.js";
import type { ApiDeps } from "./deps.js";
import { FailureLimiter } from "./failure-limiter.js";

/** Answers that refuse a caller before anything runs: who may call what, and how much. */
const REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["UNAUTHENTICATED", "FORBIDDEN", "RATE_LIMITED", "ALLOCATION_EXCEEDED", "QUEUE_FULL"]);

/** The model and task a request was admitted for, and the refusal if it was not. */
const admissions = new WeakMap<Request, { model: string; task: string; refusal?: OutpostError }>();

/**
 * Admits a run of `model` (already described, so a catalog id) for the request's caller: the
 * token's model globs, the account's rate limits and allocation, the backend's queue. Every
 * surface calls it before run(), so a refusal costs no inference and lands in the request log.
 */
export function admitRun(c: Context, deps: ApiDeps, model: string, task: string): void {
  const principal = principalOf(c);
  admissions.set(c.req.raw, { model, task });
  try {
    if (principal && !modelAllowed(principal.models, model)) throw new OutpostError("FORBIDDEN", `This token may not run ${model.slice(0, 200)}`);
    deps.admit?.(principal, model, task);
    deps.backend.checkCapacity?.(model);
  } catch (error) {
    admissions.set(c.req.raw, { model, task, refusal: OutpostError.from(error) });
    throw error;
  }
}

/** The model a refused request named, where the path or the binding's header says, if the catalog knows it. */
function namedModel(c: Context, deps: ApiDeps): { model: string; task: string } {
  const path = c.req.path;
  const raw = path.endsWith("/ai/run/proxy") ? c.req.header("cf-consn-model-id")?.split(":").at(-1) : path.includes("/ai/run/") ? path.slice(path.indexOf("/ai/run/") + "/ai/run/".length) : undefined;
  try {
    // Only catalog ids go into the log: a path may carry anything, a pasted token included.
    if (raw !== undefined) {
      const model = decodeURIComponent(raw);
      return { model, task: deps.backend.describe(model).task };
    }
  } catch {
    // Not a model this server knows: logged as UNKNOWN_MODEL.
  }
  return { model: UNKNOWN_MODEL, task: "unknown" };
}

/**
 * Puts every refusal (401, 403, 429 at admission) into the request log with its status, code,
 * model and account where known; never the token, nor the path, which a client may fill with
 * anything. Callers without a valid token are logged at most a burst and then one per few
 * seconds per address, so a flood of wrong tokens cannot grow the database at request rate.
 * Runs after the Host and cross-site guards: what they refuse comes from other sites' pages,
 * not from callers.
 */
export function logRefusals(deps: ApiDeps): MiddlewareHandler {
  const anonymous = new FailureLimiter();
  return async (c, next) => {
    const started = performance.now();
    await next();
    if (!deps.logRefusal) return;
    const admitted = admissions.get(c.req.raw);
    const refusal = admitted?.refusal ?? (c.error instanceof OutpostError ? c.error : undefined);
    if (!refusal || !REFUSALS.has(refusal.code)) return;
    const principal = principalOf(c);
    if (!principal?.tokenId) {
      const source = sourceOf(c);
      if (anonymous.blockedForS(source) !== undefined) return;
      anonymous.fail(source);
    }
    const { model, task } = admitted ?? namedModel(c, deps);
    const record: RequestRecord = {
      at: new Date().toISOString(),
      model,
      task,
      status: refusal.status,
      code: refusal.code,
      // Messages name at most a path and a scope; the cut bounds a row whatever the path.
      error: refusal.message.slice(0, 500),
      latencyMs: Math.round((performance.now() - started) * 10) / 10,
      account: principal?.account ?? UNAUTHENTICATED_ACCOUNT,
      ...(principal?.tokenId ? { tokenId: principal.tokenId } : {}),
    };
    deps.logRefusal(record);
  };
}
