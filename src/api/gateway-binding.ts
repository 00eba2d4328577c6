import { CACHE_STATUS_HEADER, GATEWAY_BINDING_URL, LOG_ID_HEADER, SERVED_MODEL_HEADER, type AiGatewayPatchLog, type RunFn } from "../binding/index.js";
import { OutpostError, type GatewayOutcome, type Principal, type RunOptions } from "../contract/index.js";
import { gatewayFromHeaders, gatewayId, gatewayMetadata, retryable, type GatewayLogEntry } from "../gateway/index.js";
import type { ApiDeps } from "./deps.js";
import { failure, restResponse, success } from "./envelope.js";

/** AI Gateway keeps a request's and a response's first bytes in a log entry's `*_head`. */
const HEAD_CHARS = 1_024;
const MAX_SCORE = 100;

/** One `env.AI.gateway(id)` call, from the proxy route or the in-process binding. */
export interface GatewayBindingCall {
  method: string;
  /** The forwarded URL, under GATEWAY_BINDING_URL. */
  url: string;
  header(name: string): string | undefined;
  /** The JSON body, read only by the calls that have one. */
  body(): Promise<unknown>;
  /** Who called, as a run's options carry it (principal, account, signal). */
  options: RunOptions & { principal?: Principal };
  /** The server's origin, for getUrl; undefined in-process, where there is none. */
  origin: string | undefined;
  /** Admits a run of `model` (rate limits, the daily allocation) as the run routes do; throws. */
  admit(model: string): void;
}

export type GatewayBindingDeps = Pick<ApiDeps, "gateways"> & { run: RunFn };

const text = (value: unknown) => (value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value));

/** An entry as workerd's AiGateway.getLog returns it (AI Gateway's log fields), with Outpost's extra fields beside. */
function aiGatewayLog(entry: GatewayLogEntry) {
  const request = text(entry.inputs);
  const response = text(entry.output ?? entry.error);
  return {
    id: entry.id,
    provider: "workers-ai",
    model: entry.servedModel,
    path: entry.model,
    duration: Math.round(entry.latencyMs),
    status_code: entry.status,
    success: entry.status < 400,
    cached: entry.cacheStatus === "HIT",
    tokens_in: entry.inputTokens,
    tokens_out: entry.outputTokens,
    metadata: entry.metadata,
    request_size: Buffer.byteLength(request),
    request_head: request.slice(0, HEAD_CHARS),
    request_head_complete: request.length <= HEAD_CHARS,
    response_size: Buffer.byteLength(response),
    response_head: response.slice(0, HEAD_CHARS),
    response_head_complete: response.length <= HEAD_CHARS,
    created_at: entry.at,
    ...(entry.feedback === undefined ? {} : { feedback: entry.feedback }),
    ...(entry.score === undefined ? {} : { score: entry.score }),
    neurons: entry.neurons,
    attempts: entry.attempts,
    ...(entry.eventId === undefined ? {} : { event_id: entry.eventId }),
  };
}

/** patchLog's body: each field optional, null clears it. */
function logPatch(raw: unknown): AiGatewayPatchLog {
  const invalid = (field: string, expected: string) => new OutpostError("INPUT_INVALID", `Invalid input at '/${field}': expected ${expected}`);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new OutpostError("INPUT_INVALID", "Invalid input: expected an object {feedback, score, metadata}");
  const { feedback, score, metadata } = raw as Record<string, unknown>;
  const patch: AiGatewayPatchLog = {};
  if (feedback !== undefined) {
    if (feedback !== null && feedback !== -1 && feedback !== 1) throw invalid("feedback", "-1, 1 or null");
    patch.feedback = feedback;
  }
  if (score !== undefined) {
    if (score !== null && (typeof score !== "number" || !Number.isFinite(score) || score < 0 || score > MAX_SCORE)) throw invalid("score", `a number from 0 to ${MAX_SCORE}, or null`);
    patch.score = score;
  }
  if (metadata !== undefined) {
    // The same rules as a request's metadata (five entries of strings, numbers or booleans).
    patch.metadata = metadata === null ? null : gatewayMetadata(metadata, "input at '/metadata'");
  }
  return patch;
}

/**
 * `env.AI.gateway(id)`'s calls, as AI Gateway's binding makes them: `getLog` and `patchLog`
 * (feedback, score, metadata) on this gateway's log, `getUrl` (this server's AI Gateway URL for
 * the `workers-ai` provider, the only one Outpost serves), and a universal `run` whose steps
 * name `workers-ai`. A caller whose token is not admin sees only its own account's entries.
 */
export async function answerGatewayCall(deps: GatewayBindingDeps, call: GatewayBindingCall): Promise<Response> {
  try {
    const gateways = deps.gateways;
    if (!gateways) throw new OutpostError("NOT_FOUND", "AI Gateway is not enabled here");
    const path = call.url.slice(GATEWAY_BINDING_URL.length).split("?")[0]!.split("/").map(decodeURIComponent);
    const [kind, rawId, what, ...rest] = path;
    if (kind === "universal" && rawId === "run" && what !== undefined && call.method === "POST") return await universalRun(deps, call, gatewayId(what, "gateway id in the URL"));
    if (kind !== "gateways" || rawId === undefined) throw new OutpostError("NOT_FOUND", `No AI Gateway binding call ${call.method} ${call.url}`);
    const id = gatewayId(rawId, "gateway id in the URL");
    gateways.get(id);
    const account = call.options.principal && call.options.principal.scope !== "admin" ? call.options.principal.account : undefined;
    if (what === "url" && rest.length === 1 && call.method === "GET") return Response.json(success({ url: gatewayUrl(call, id, rest[0]!) }));
    if (what === "logs" && rest.length === 1 && (call.method === "GET" || call.method === "PATCH")) {
      const logId = rest[0]!;
      const entry = gateways.log(id, logId);
      const notFound = new OutpostError("NOT_FOUND", `Log Not Found: gateway ${id} has no entry ${logId} (a stream is logged when it ends)`);
      if (!entry || (account !== undefined && entry.account !== account)) throw notFound;
      if (call.method === "GET") return Response.json(success(aiGatewayLog(entry)));
      if (!gateways.patchLog(id, logId, logPatch(await call.body()))) throw notFound;
      return Response.json(success({}));
    }
    throw new OutpostError("NOT_FOUND", `No AI Gateway binding call ${call.method} ${call.url}`);
  } catch (error) {
    return failure(error);
  }
}

/** AI Gateway's URL of this gateway on this server: `{origin}/v1/{account}/{id}/workers-ai`. */
function gatewayUrl(call: GatewayBindingCall, id: string, provider: string): string {
  if (provider !== "workers-ai") {
    throw new OutpostError("INPUT_INVALID", `Outpost serves AI Gateway's workers-ai provider only, not ${provider}: getUrl("workers-ai")`);
  }
  if (call.origin === undefined) throw new OutpostError("INPUT_INVALID", "The in-process binding has no URL: serve Outpost (outpost serve) and use createRemoteAi() to get one");
  return `${call.origin}/v1/${encodeURIComponent(call.options.account ?? "local")}/${id}/workers-ai`;
}

/**
 * A universal request: steps `{provider: "workers-ai", endpoint: <model>, query: <inputs>}`
 * tried in order through the gateway, the next one when a step fails as a gateway retries
 * (429, 5xx, timeouts); `cf-aig-step` names the step that answered. A step's own `cf-aig-*`
 * headers win over the request's.
 */
async function universalRun(deps: GatewayBindingDeps, call: GatewayBindingCall, id: string): Promise<Response> {
  const body = await call.body();
  const steps = Array.isArray(body) ? body : [body];
  if (steps.length === 0) throw new OutpostError("INPUT_INVALID", "Invalid input: expected a universal request or a non-empty array of them");
  const checked = steps.map((step, i) => {
    const { provider, endpoint, query, headers } = (step ?? {}) as Record<string, unknown>;
    if (provider !== "workers-ai") throw new OutpostError("INPUT_INVALID", `Invalid input at '/${i}/provider': Outpost serves the workers-ai provider only, not ${JSON.stringify(provider ?? null)}`);
    if (typeof endpoint !== "string" || endpoint === "") throw new OutpostError("INPUT_INVALID", `Invalid input at '/${i}/endpoint': expected a model id`);
    const own = typeof headers === "object" && headers !== null ? (headers as Record<string, unknown>) : {};
    const gateway = gatewayFromHeaders(id, (name) => (own[name] === undefined ? call.header(name) : String(own[name])));
    return { model: endpoint.replace(/^\/+/, ""), inputs: query, gateway };
  });
  let failed: OutpostError | undefined;
  for (const [step, { model, inputs, gateway }] of checked.entries()) {
    let outcome: GatewayOutcome | undefined;
    try {
      call.admit(model);
      const result = await deps.run(model, inputs, { ...call.options, gateway, onGateway: (told) => (outcome = told) });
      const response = restResponse(result);
      response.headers.set("cf-aig-step", String(step));
      if (outcome) {
        response.headers.set(CACHE_STATUS_HEADER, outcome.cacheStatus);
        response.headers.set(LOG_ID_HEADER, outcome.logId);
        response.headers.set(SERVED_MODEL_HEADER, outcome.model);
      }
      return response;
    } catch (error) {
      failed = OutpostError.from(error);
      if (!retryable(failed) || call.options.signal?.aborted) break;
    }
  }
  throw failed!;
}
