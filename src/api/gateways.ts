import { Hono, type Context } from "hono";
import { OutpostError } from "../contract/index.js";
import { gatewayId } from "../gateway/index.js";
import type { ApiDeps } from "./deps.js";
import { success } from "./envelope.js";
import { accountFilter, instant, positiveInt } from "./query.js";

/** Largest page of log entries one request may ask for, as AI Gateway's logs API allows. */
const MAX_PER_PAGE = 50;

function flag(c: Context, name: string): boolean | undefined {
  const raw = c.req.query(name);
  if (raw === undefined) return undefined;
  if (raw !== "true" && raw !== "false") throw new OutpostError("INPUT_INVALID", `Invalid query parameter '${name}': expected true or false`);
  return raw === "true";
}

/**
 * `GET /api/gateways`: every gateway and its settings; `GET /api/gateways/{id}/logs`: its
 * request log, newest first, filtered by `model`, `success`, `cached`, `event_id`, `account`,
 * `start_date`/`end_date`, paged by `page`/`per_page` (AI Gateway's names), with
 * Cloudflare's `result_info`. A token that is not admin sees only its own account's entries.
 */
export function gatewayRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const gateways = () => {
    if (!deps.gateways) throw new OutpostError("NOT_FOUND", "AI Gateway is not enabled on this server");
    return deps.gateways;
  };
  app.get("/", (c) => c.json(success(gateways().list())));
  app.get("/:id/logs", (c) => {
    const id = gatewayId(c.req.param("id"), "gateway id in the path");
    gateways().get(id);
    const account = accountFilter(c, "logs");
    const direction = c.req.query("direction") ?? "desc";
    if (direction !== "asc" && direction !== "desc") throw new OutpostError("INPUT_INVALID", "Invalid query parameter 'direction': expected asc or desc");
    const page = positiveInt(c, "page", 1);
    const perPage = Math.min(MAX_PER_PAGE, positiveInt(c, "per_page", 20));
    const { entries, total } = gateways().logs({
      gateway: id,
      account,
      model: c.req.query("model") || undefined,
      success: flag(c, "success"),
      cached: flag(c, "cached"),
      eventId: c.req.query("event_id") || undefined,
      from: instant(c, "start_date"),
      to: instant(c, "end_date"),
      direction,
      page,
      perPage,
    });
    return c.json({ ...success(entries), result_info: { page, per_page: perPage, count: entries.length, total_count: total } });
  });
  return app;
}
