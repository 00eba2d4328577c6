// Outpost's stand-in for the Workers AI binding, for wrangler >= 4.36, miniflare and
// vitest-pool-workers, where `[ai]` only runs remotely. An app binds the OutpostAI entrypoint as
// a service named AI and keeps calling env.AI.run() and env.AI.models(). Each call goes to
// Outpost's binding proxy route and comes back as workerd's own Ai class
// (cloudflare-internal:ai-api) hands it over: parsed JSON, the body stream, the raw Response,
// or a thrown InferenceUpstreamError("<internalCode>: <description>").
import { RpcTarget, WorkerEntrypoint } from "cloudflare:workers";

const RUN_URL = "https://workers-binding.ai/run?version=3";
const MODELS_URL = "https://workers-binding.ai/ai-api/models/search";

// Named as in workerd. Across RPC the app gets a plain Error: with enhanced_error_serialization
// in the app's compatibility_flags it keeps this name and message exactly, without it workerd
// folds the name into the message ("NoSuchModel: 5007: No such model …").
export class InferenceUpstreamError extends Error {
  constructor(message, name = "InferenceUpstreamError") {
    super(message);
    this.name = name;
  }
}

export class AiInternalError extends Error {
  constructor(message, name = "AiInternalError") {
    super(message);
    this.name = name;
  }
}

// This Worker's own aliases (`outpost workers init --alias <id>=<model>`): OUTPOST_ALIASES in
// [vars], "<id>=<model>" pairs separated by commas. Outpost's own aliases (--alias on the server)
// need none of this; these let one project map ids without touching the server.
function aliasesOf(env) {
  const aliases = new Map();
  for (const pair of String(env.OUTPOST_ALIASES || "").split(",")) {
    const eq = pair.indexOf("=");
    if (eq > 0) aliases.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return aliases;
}

export class AiGatewayInternalError extends Error {
  constructor(message, name = "AiGatewayInternalError") {
    super(message);
    this.name = name;
  }
}

// env.AI.gateway(id), as workerd's AiGateway (cloudflare-internal:aig-api) makes its calls: each
// one a binding call to https://workers-binding.ai/ai-gateway/…, which Outpost's proxy route
// answers. An RpcTarget, so the app calls its methods across the service binding.
class OutpostGateway extends RpcTarget {
  #proxy;
  #id;

  constructor(proxy, id) {
    super();
    this.#proxy = proxy;
    this.#id = id;
  }

  #url(path) {
    return `https://workers-binding.ai/ai-gateway/gateways/${encodeURIComponent(this.#id)}/${path}`;
  }

  async #call(url, init, notFound) {
    const res = await this.#proxy(url, init);
    if (res.ok) return res;
    const text = await res.text();
    let message = text;
    try {
      message = JSON.parse(text).errors?.[0]?.message || text;
    } catch {
      // Not JSON: the text itself, as in workerd.
    }
    throw new AiGatewayInternalError(message, res.status === 404 && notFound ? "AiGatewayLogNotFound" : "AiGatewayInternalError");
  }

  async getUrl(provider) {
    const res = await this.#call(this.#url(`url/${encodeURIComponent(provider ?? "universal")}`), { method: "GET" });
    return (await res.json()).result.url;
  }

  async getLog(logId) {
    const res = await this.#call(this.#url(`logs/${encodeURIComponent(logId)}`), { method: "GET" }, true);
    const { result } = await res.json();
    return { ...result, created_at: new Date(result.created_at) };
  }

  async patchLog(logId, data) {
    await this.#call(this.#url(`logs/${encodeURIComponent(logId)}`), { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(data) }, true);
  }

  // A universal request's raw Response; its steps' header values go as strings, as workerd sends them.
  run(data, options = {}) {
    const steps = (Array.isArray(data) ? data : [data]).map((step) => ({
      ...step,
      headers: Object.fromEntries(Object.entries(step.headers ?? {}).map(([k, v]) => [k, typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)])),
    }));
    const { skipCache, cacheTtl, metadata, cacheKey, collectLog, eventId, requestTimeoutMs, retries } = options.gateway ?? {};
    const headers = { "content-type": "application/json" };
    if (skipCache !== undefined) headers["cf-aig-skip-cache"] = String(skipCache);
    if (cacheTtl) headers["cf-aig-cache-ttl"] = String(cacheTtl);
    if (metadata) headers["cf-aig-metadata"] = JSON.stringify(metadata);
    if (cacheKey) headers["cf-aig-cache-key"] = cacheKey;
    if (collectLog !== undefined) headers["cf-aig-collect-log"] = String(collectLog);
    if (eventId !== undefined) headers["cf-aig-event-id"] = eventId;
    if (requestTimeoutMs !== undefined) headers["cf-aig-request-timeout"] = String(requestTimeoutMs);
    if (retries?.maxAttempts !== undefined) headers["cf-aig-max-attempts"] = String(retries.maxAttempts);
    if (retries?.retryDelayMs !== undefined) headers["cf-aig-retry-delay"] = String(retries.retryDelayMs);
    if (retries?.backoff !== undefined) headers["cf-aig-backoff"] = retries.backoff;
    return this.#proxy(`https://workers-binding.ai/ai-gateway/universal/run/${encodeURIComponent(this.#id)}`, { method: "POST", headers: { ...headers, ...options.extraHeaders }, body: JSON.stringify(steps) });
  }
}

export class OutpostAI extends WorkerEntrypoint {
  async run(requested, inputs, options = {}) {
    const model = aliasesOf(this.env).get(requested) ?? requested;
    // The same cleaning as workerd: these options shape the request, not the inference.
    const { prefix, extraHeaders, sessionOptions, ...cleaned } = options;
    const res = await this.#proxy(RUN_URL, {
      method: "POST",
      headers: {
        ...sessionOptions?.extraHeaders,
        ...extraHeaders,
        "content-type": "application/json",
        "cf-consn-sdk-version": "2.0.0",
        "cf-consn-model-id": `${prefix ? `${prefix}:` : ""}${model}`,
      },
      body: JSON.stringify({ inputs, options: cleaned }),
    });
    if (options.returnRawResponse) return res;
    if (!res.ok || !res.body) throw await parseError(res);
    if (res.headers.get("content-type") === "application/json") return res.json();
    return res.body;
  }

  async models(params = {}) {
    const url = new URL(MODELS_URL);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
    const res = await this.#proxy(url.href, { method: "GET" });
    const text = await res.text();
    let data;
    try {
      data = JSON.parse(text);
    } catch {
      // Something other than Outpost answered (a proxy, another server on the port): say so, not "Unexpected token".
      throw new AiInternalError(`outpost-ai: ${this.#base()} answered models() with HTTP ${res.status} and no JSON (is OUTPOST_URL Outpost?): ${text.slice(0, 200)}`);
    }
    if (res.status !== 200) throw new AiInternalError(data.errors?.[0]?.message || "Internal Error");
    // Ids this Worker aliases are marked as Outpost marks its own: property outpost_model.
    const aliases = aliasesOf(this.env);
    for (const item of data.result) {
      const served = aliases.get(item.name);
      if (served && !item.properties.some((p) => p.property_id === "outpost_model")) item.properties.push({ property_id: "outpost_model", value: served });
    }
    return data.result;
  }

  gateway(id) {
    return new OutpostGateway((forwarded, init) => this.#proxy(forwarded, init), id);
  }

  // The legacy @cloudflare/ai SDK calls binding.fetch("https://workers-binding.ai/run?…"),
  // naming the model in a header, which this Worker's aliases rewrite as run() does its argument.
  fetch(request) {
    const headers = new Headers(request.headers);
    const named = headers.get("cf-consn-model-id");
    if (named) {
      const colon = named.lastIndexOf(":");
      const served = aliasesOf(this.env).get(named.slice(colon + 1));
      if (served) headers.set("cf-consn-model-id", named.slice(0, colon + 1) + served);
    }
    return this.#proxy(request.url, { method: request.method, headers, body: request.body });
  }

  #base() {
    return (this.env.OUTPOST_URL || "http://127.0.0.1:8787").replace(/\/+$/, "");
  }

  async #proxy(forwarded, init) {
    const base = this.#base();
    const headers = new Headers(init.headers);
    headers.set("x-forwarded", forwarded);
    // A secret (`wrangler secret put OUTPOST_TOKEN`, or OUTPOST_TOKEN in .dev.vars): Outpost's
    // run-scoped token. The short proxy path takes its account from the token.
    if (this.env.OUTPOST_TOKEN) headers.set("authorization", `Bearer ${this.env.OUTPOST_TOKEN}`);
    try {
      return await fetch(`${base}/ai/run/proxy`, { method: init.method, headers, body: init.body });
    } catch (error) {
      throw new Error(`outpost-ai: cannot reach Outpost at ${base} (is \`outpost serve\` running?): ${error.message}`, { cause: error });
    }
  }
}

export default {
  fetch() {
    return new Response("outpost-ai: bind its OutpostAI entrypoint as a service named AI\n", { status: 404 });
  },
};

async function parseError(res) {
  const content = await res.text();
  try {
    const parsed = JSON.parse(content);
    if (parsed.internalCode) return new InferenceUpstreamError(`${parsed.internalCode}: ${parsed.description}`, parsed.name);
    if (parsed.errors?.[0]) return new InferenceUpstreamError(`${parsed.errors[0].code}: ${parsed.errors[0].message}`);
  } catch {
    // Not JSON: the text itself is the message, as in workerd.
  }
  return new InferenceUpstreamError(content);
}
