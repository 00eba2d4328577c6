import { Hono } from "hono";
import { USAGE_GROUPS, type UsageGroup } from "../accounts/index.js";
import { OutpostError } from "../contract/index.js";
import type { ApiDeps } from "./deps.js";
import { success } from "./envelope.js";
import { accountFilter, instant, positiveInt } from "./query.js";

/** Largest page of usage rows or request-log rows one request may ask for. */
const MAX_PAGE = 1_000;

/**
 * `GET /api/usage?account=&model=&from=&to=&by=model|hour|day|account&page=&per_page=`: neurons,
 * requests, errors and tokens, grouped, with Cloudflare's `result_info` paging; and
 * `GET /api/requests?account=&model=&from=&to=&limit=`: the request log, newest first; and
 * `GET /api/latency?account=&model=&from=&to=`: p50/p99 latency and errors per model, from the log.
 */
export function usageRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get("/usage", (c) => {
    if (!deps.usage) throw new OutpostError("NOT_FOUND", "Usage is not recorded by this server");
    const by = (c.req.query("by") ?? "model") as UsageGroup;
    if (!USAGE_GROUPS.includes(by)) throw new OutpostError("INPUT_INVALID", `Invalid query parameter 'by': one of ${USAGE_GROUPS.join(", ")}`);
    const page = positiveInt(c, "page", 1);
    const perPage = Math.min(MAX_PAGE, positiveInt(c, "per_page", 100));
    const query = { account: accountFilter(c, "usage"), model: c.req.query("model") || undefined, from: instant(c, "from"), to: instant(c, "to"), by, page, perPage };
    const { rows, total } = deps.usage.usage(query);
    return c.json({ ...success(rows), result_info: { page, per_page: perPage, count: rows.length, total_count: total } });
  });
  app.get("/requests", (c) => {
    const limit = Math.min(MAX_PAGE, positiveInt(c, "limit", 100));
    const account = accountFilter(c, "usage");
    if (!deps.usage) {
      if (!deps.recentRequests) throw new OutpostError("NOT_FOUND", "The request log is not enabled");
      return c.json(success(deps.recentRequests().filter((r) => account === undefined || r.account === account).slice(0, limit)));
    }
    return c.json(success(deps.usage.requests({ account, model: c.req.query("model") || undefined, from: instant(c, "from"), to: instant(c, "to"), limit })));
  });
  app.get("/latency", (c) => {
    if (!deps.usage) throw new OutpostError("NOT_FOUND", "The request log is not recorded by this server");
    return c.json(success(deps.usage.latency({ account: accountFilter(c, "usage"), model: c.req.query("model") || undefined, from: instant(c, "from"), to: instant(c, "to") })));
  });
  return app;
}
