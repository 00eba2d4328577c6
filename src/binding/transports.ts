import { randomUUID } from "node:crypto";
import type { Backend, GatewayOutcome, GatewayRequest, ModelSearchParams, RunOptions } from "../contract/index.js";
import { parseError, type AiOptions, type BindingTransport } from "./ai.js";
import type { GatewayCall } from "./gateway.js";
import type { RunFn } from "./run.js";
import { errorToBindingResponse, toBindingResponse } from "./wire.js";

/** The workerd binding's upstream URLs; Outpost's proxy route reads them from `x-forwarded`. */
export const BINDING_RUN_URL = "https://workers-binding.ai/run?version=3";
export const BINDING_MODELS_URL = "https://workers-binding.ai/ai-api/models/search";

/** What the in-process binding needs of AI Gateway; createOutpost gives the gateways it opens. */
export interface LocalGateway {
  /** The `gateway` option checked as the proxy route checks it (INPUT_INVALID naming the field). */
  request(raw: unknown): GatewayRequest;
  /** `gateway(id)`'s calls, answered as the proxy route answers them. */
  call: GatewayCall;
}

/**
 * In-process: no HTTP, the same bytes, statuses and headers as the server would send, the
 * `gateway` option's cache status, log id and serving model included.
 */
export function localTransport(run: RunFn, backend: Backend, gateway: LocalGateway): BindingTransport {
  return {
    async run(model, inputs, options) {
      const requestId = randomUUID();
      try {
        const { signal, rejectIfBusy, keepAliveMs } = options;
        const runOptions: RunOptions = { signal, rejectIfBusy: rejectIfBusy === true, keepAliveMs: typeof keepAliveMs === "number" ? keepAliveMs : undefined };
        let outcome: GatewayOutcome | undefined;
        if (options.gateway !== undefined && options.gateway !== null) Object.assign(runOptions, { gateway: gateway.request(options.gateway), onGateway: (told: GatewayOutcome) => (outcome = told) });
        const result = await run(model, inputs, runOptions);
        return toBindingResponse(result, requestId, backend.describe(model).id, outcome);
      } catch (error) {
        return errorToBindingResponse(error, requestId);
      }
    },
    async models(params) {
      return backend.search(params);
    },
    gateway: gateway.call,
  };
}

/**
 * JSON.stringify's replacer for inputs: bytes (a Uint8Array, Buffer or ArrayBuffer, as the
 * in-process binding takes for `image` and `audio`) go as Workers AI's array of 0–255, where
 * plain JSON would send a typed array as an object of indices and a Buffer as `{type, data}`.
 */
function bytesAsArrays(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (raw instanceof ArrayBuffer) return Array.from(new Uint8Array(raw));
  if (ArrayBuffer.isView(raw)) return Array.from(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
  return value;
}

export interface RemoteOptions {
  /** Account id placed in the path; any value works against Outpost. */
  accountId?: string;
  /** Sent as a bearer token. */
  token?: string;
}

/**
 * Over HTTP to an Outpost server, through the same proxy route wrangler uses for `env.AI`
 * (POST /client/v4/accounts/{id}/ai/run/proxy), so both flavours get identical answers.
 */
export function remoteTransport(baseUrl: string, options: RemoteOptions = {}): BindingTransport {
  const url = `${baseUrl.replace(/\/+$/, "")}/client/v4/accounts/${encodeURIComponent(options.accountId ?? "local")}/ai/run/proxy`;
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  return {
    run(model, inputs, { signal, extraHeaders, returnRawResponse: _raw, prefix: _prefix, ...rest }: AiOptions) {
      return fetch(url, {
        method: "POST",
        signal,
        headers: { ...extraHeaders, ...auth, "content-type": "application/json", "x-forwarded": BINDING_RUN_URL, "cf-consn-model-id": model },
        body: JSON.stringify({ inputs, options: rest }, bytesAsArrays),
      });
    },
    async models(params: ModelSearchParams) {
      const query = new URLSearchParams(Object.entries(params).map(([key, value]) => [key, String(value)]));
      const response = await fetch(url, { headers: { ...auth, "x-forwarded": `${BINDING_MODELS_URL}?${query}` } });
      if (!response.ok) throw (await parseError(response)).error;
      const body = (await response.json()) as { result: Awaited<ReturnType<BindingTransport["models"]>> };
      return body.result;
    },
    gateway(forwarded, { method, body, headers }) {
      return fetch(url, { method, body, headers: { ...headers, ...auth, "x-forwarded": forwarded } });
    },
  };
}
