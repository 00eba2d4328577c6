import { Hono } from "hono";
import { OutpostError } from "../contract/index.js";
import type { ApiDeps } from "./deps.js";
import { failure } from "./envelope.js";
import { openAiRoutes } from "./openai.js";
import { servedByHeader } from "./served-by.js";
import { workersAiRoutes } from "./workers-ai.js";

/**
 * Mounts every HTTP surface. Workers AI routes live under the REST path and the short `/ai`
 * form; OpenAI routes under `/v1` and the Workers AI `ai/v1` path.
 */
export function createApp(deps: ApiDeps): Hono {
  const app = new Hono();
  app.use("*", servedByHeader);
  const openai = openAiRoutes(deps);
  const workers = workersAiRoutes(deps);
  app.route("/client/v4/accounts/:account/ai/v1", openai);
  app.route("/v1", openai);
  app.route("/client/v4/accounts/:account/ai", workers);
  app.route("/ai", workers);
  app.get("/healthz", (c) => c.json({ ok: true }));
  if (deps.network) app.get("/network", (c) => c.json(deps.network?.view()));
  app.notFound((c) => failure(new OutpostError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`)));
  app.onError((error) => failure(error));
  return app;
}
