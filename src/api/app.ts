import { Hono } from "hono";
import { OutpostError } from "../contract/index.js";
import type { ApiDeps } from "./deps.js";
import { adminRoutes } from "./admin.js";
import { failure, success } from "./envelope.js";
import { errorResponse } from "./errors.js";
import { cors, crossSiteGuard, hostGuard } from "./guards.js";
import { openAiRoutes } from "./openai.js";
import { servedByHeader } from "./served-by.js";
import { webRoutes } from "./web.js";
import { workersAiRoutes } from "./workers-ai.js";

/**
 * Mounts every HTTP surface. Workers AI routes live under the REST path and the short `/ai`
 * form; OpenAI routes under `/v1` and the Workers AI `ai/v1` path.
 */
export function createApp(deps: ApiDeps): Hono {
  const app = new Hono();
  app.use("*", hostGuard(deps.guards), cors(deps.guards), crossSiteGuard(deps.guards));
  app.use("*", servedByHeader);
  const openai = openAiRoutes(deps);
  const workers = workersAiRoutes(deps);
  app.route("/client/v4/accounts/:account/ai/v1", openai);
  app.route("/v1", openai);
  app.route("/client/v4/accounts/:account/ai", workers);
  app.route("/ai", workers);
  app.route("/api", adminRoutes(deps));
  app.get("/healthz", (c) => c.json({ ok: true }));
  app.get("/metrics", async (c) => {
    if (!deps.metrics) return failure(new OutpostError("NOT_FOUND", "Metrics are not enabled"));
    const { contentType, body } = await deps.metrics();
    return c.body(body, 200, { "content-type": contentType });
  });
  app.get("/api/requests", (c) => {
    if (!deps.recentRequests) return failure(new OutpostError("NOT_FOUND", "The request log is not enabled"));
    return c.json(success(deps.recentRequests()));
  });
  if (deps.network) app.get("/network", (c) => c.json(deps.network?.view()));
  app.route("/", webRoutes());
  app.notFound((c) => failure(new OutpostError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => errorResponse(c.req.path, error));
  return app;
}
