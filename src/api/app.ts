import { Hono } from "hono";
import { OutpostError } from "../contract/index.js";
import type { ApiDeps } from "./deps.js";
import { adminRoutes } from "./admin.js";
import { BodyReader, closeAfterUnreadBody } from "./body.js";
import { failure, success } from "./envelope.js";
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
  app.use("*", servedByHeader);
  app.use("*", closeAfterUnreadBody);
  // One reader for every surface, so the bytes-in-flight bound covers them all.
  const body = new BodyReader(deps.maxBodyBytes, deps.maxBodyBytesInFlight);
  const openai = openAiRoutes(deps, body);
  const workers = workersAiRoutes(deps, body);
  app.route("/client/v4/accounts/:account/ai/v1", openai);
  app.route("/v1", openai);
  app.route("/client/v4/accounts/:account/ai", workers);
  app.route("/ai", workers);
  app.route("/api", adminRoutes(deps, body));
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
  app.onError((error) => failure(error));
  return app;
}
