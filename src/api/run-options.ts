import type { Context } from "hono";
import { OutpostError, parseResidency, type RunOptions } from "../contract/index.js";
import { gatewayFromHeaders, gatewayFromOption } from "../gateway/index.js";
import { principalOf } from "./auth.js";
import { gatewayOutcomeOption, placementOptions } from "./served-by.js";

/**
 * Per-request options, where Workers AI puts them: an `options` object in the REST and OpenAI
 * bodies (and the binding's third argument, which the proxy wire carries as `options`).
 * `rejectIfBusy` is Workers AI's; `keepAliveMs` is Outpost's own. The request's abort signal
 * (client disconnect) rides along.
 */
export function runOptions(c: Context, raw: unknown): RunOptions {
  const principal = principalOf(c);
  // The token's account, which the path's (checked equal) or the short routes' lack of one cannot change.
  const options: RunOptions = { signal: c.req.raw.signal, ...placementOptions(c), ...(principal ? { principal, account: principal.account } : {}) };
  // An AI Gateway URL (/v1/{account}/{gateway}/workers-ai/…) names its gateway in the path and takes the cf-aig-* headers.
  const urlGateway = c.req.param("gateway");
  if (urlGateway !== undefined) Object.assign(options, gatewayOutcomeOption(c), { gateway: gatewayFromHeaders(urlGateway, (name) => c.req.header(name)) });
  if (raw === undefined || raw === null) return options;
  if (typeof raw !== "object" || Array.isArray(raw)) throw new OutpostError("INPUT_INVALID", "Invalid input at '/options': expected an object");
  const { rejectIfBusy, keepAliveMs, residency, gateway } = raw as Record<string, unknown>;
  // The binding's `gateway` option; on a gateway URL the headers win over it.
  if (gateway !== undefined && gateway !== null) Object.assign(options, gatewayOutcomeOption(c), { gateway: { ...gatewayFromOption(gateway), ...options.gateway } });
  if (residency !== undefined) {
    // Network mode: `options.residency` ("region:eu,city:lis"), as the x-outpost-residency header.
    if (typeof residency !== "string") throw new OutpostError("INPUT_INVALID", "Invalid input at '/options/residency': expected a string such as 'region:eu'");
    options.residency = parseResidency(residency);
  }
  if (rejectIfBusy !== undefined) {
    if (typeof rejectIfBusy !== "boolean") throw new OutpostError("INPUT_INVALID", "Invalid input at '/options/rejectIfBusy': expected a boolean");
    options.rejectIfBusy = rejectIfBusy;
  }
  if (keepAliveMs !== undefined) {
    if (typeof keepAliveMs !== "number" || !Number.isInteger(keepAliveMs) || keepAliveMs < 0) {
      throw new OutpostError("INPUT_INVALID", "Invalid input at '/options/keepAliveMs': expected a non-negative integer");
    }
    options.keepAliveMs = keepAliveMs;
  }
  return options;
}

/** Splits a REST body into task inputs and the `options` object riding beside them. */
export function splitOptions(body: unknown): { inputs: unknown; options: unknown } {
  if (typeof body !== "object" || body === null || Array.isArray(body) || !("options" in body)) return { inputs: body, options: undefined };
  const { options, ...inputs } = body as Record<string, unknown>;
  return { inputs, options };
}
