import { Hono } from "hono";
import { OutpostError, type Authenticator } from "../contract/index.js";
import { logRefusals } from "./admission.js";
import { authenticate, Sessions } from "./auth.js";
import type { ApiDeps } from "./deps.js";
import { noticeDisconnects } from "./disconnect.js";
import { adminRoutes } from "./admin.js";
import { BodyReader, closeAfterUnreadBody } from "./body.js";
import { failure } from "./envelope.js";
import { errorResponse } from "./errors.js";
import { FailureLimiter } from "./failure-limiter.js";
import { gatewayRoutes } from "./gateways.js";
import { cors, crossSiteGuard, hostGuard } from "./guards.js";
import { openAiRoutes } from "./openai.js";
import { servedByHeader } from "./served-by.js";
import { sessionRoutes } from "./session.js";
import { tokenRoutes } from "./tokens.js";
import { usageRoutes } from "./usage.js";
import { webRoutes } from "./web.js";
import { workersAiRoutes } from "./workers-ai.js";

/**
 * Mounts every HTTP surface. Workers AI routes live under the REST path and the short `/ai`
 * form; OpenAI routes under `/v1` and the Workers AI `ai/v1` path.
 */
export function createApp(deps: ApiDeps): Hono {
  const app = new Hono();
  const auth: Authenticator = deps.auth ?? OPEN;
  const sessions = new Sessions();
  const limiter = new FailureLimiter();
  const guards = deps.guards ?? { listenHost: "127.0.0.1", allowedHosts: [], corsOrigins: [] };
  // Outermost, so it watches every request and sees every answer's final body.
  app.use("*", noticeDisconnects);
  app.use("*", hostGuard(guards), cors(guards), crossSiteGuard(guards), logRefusals(deps), authenticate(auth, sessions, limiter));
  app.use("*", servedByHeader);
  app.use("*", closeAfterUnreadBody);
  // One reader for every surface, so the bytes-in-flight bound covers them all.
  const body = new BodyReader(deps.maxBodyBytes, deps.maxBodyBytesInFlight);
  const openai = openAiRoutes(deps, body);
  const workers = workersAiRoutes(deps, body);
  app.route("/api/session", sessionRoutes(auth, sessions, body, limiter));
  if (deps.auth) app.route("/api/tokens", tokenRoutes(deps.auth, body));
  // AI Gateway's URLs for Workers AI: its REST run path and its OpenAI-compatible one, before /v1's own routes.
  app.route("/v1/:account/:gateway/workers-ai/v1", openai);
  app.route("/v1/:account/:gateway/workers-ai", workers);
  app.route("/client/v4/accounts/:account/ai/v1", openai);
  app.route("/v1", openai);
  app.route("/client/v4/accounts/:account/ai", workers);
  app.route("/ai", workers);
  app.route("/api/gateways", gatewayRoutes(deps));
  app.route("/api", usageRoutes(deps));
  app.route("/api", adminRoutes(deps, body));
  // `network` tells the dashboard whether GET /network exists, so a single node is never asked for it.
  app.get("/healthz", (c) => c.json({ ok: true, network: deps.network !== undefined }));
  app.get("/metrics", async (c) => {
    if (!deps.metrics) return failure(new OutpostError("NOT_FOUND", "Metrics are not enabled"));
    const { contentType, body } = await deps.metrics();
    return c.body(body, 200, { "content-type": contentType });
  });
  if (deps.network) app.get("/network", (c) => c.json(deps.network?.view()));
  app.route("/", webRoutes());
  app.notFound((c) => failure(new OutpostError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => errorResponse(c.req.path, error));
  return app;
}

/** A server with no token store: every caller is its admin. */
const OPEN: Authenticator = { enabled: () => false, verify: () => undefined, principal: () => undefined };
