import { Hono, type Context } from "hono";
import { z } from "zod";
import { OutpostError, type ModelAdmin, type PullEvent } from "../contract/index.js";
import { SSE_HEADERS } from "../binding/index.js";
import { principalOf } from "./auth.js";
import { DEFAULT_BODY_LIMITS } from "../tasks/index.js";
import type { BodyReader } from "./body.js";
import type { ApiDeps } from "./deps.js";
import { success } from "./envelope.js";

const PullRequest = z.object({
  model: z.string().min(1),
  /** Stream progress as SSE until the pull ends, instead of answering 202 at once. */
  stream: z.boolean().optional(),
});

const encoder = new TextEncoder();

/** One SSE event per progress change, `event:` naming its type; the stream ends with the pull. */
function sse(events: AsyncIterable<PullEvent>): Response {
  const iterator = events[Symbol.asyncIterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) return controller.close();
      controller.enqueue(encoder.encode(`event: ${next.value.type}\ndata: ${JSON.stringify(next.value.status)}\n\n`));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  return new Response(body, { headers: SSE_HEADERS });
}

/** Model ids keep their slashes in the path; clients may percent-encode them. */
function modelFromPath(c: Context, prefix: string): string {
  const raw = c.req.path.slice(c.req.path.indexOf(prefix) + prefix.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new OutpostError("INPUT_INVALID", `Invalid model name in the path: ${raw.slice(0, 200)}`);
  }
}

/**
 * Outpost's own admin surface, under `/api`: start or join a pull (`POST /pull`, `stream: true`
 * for SSE progress), list pulls, one pull's status or SSE events, the local models, removal, and
 * what the engines compute on (`GET /system`).
 * Pulls run in the server, so a client that disconnects leaves the pull running.
 */
export function adminRoutes(deps: ApiDeps, body: BodyReader): Hono {
  const app = new Hono();
  const admin = (): ModelAdmin => {
    if (!deps.store) throw new OutpostError("NOT_FOUND", "This server has no model store");
    return deps.store;
  };

  app.post("/pull", async (c) => {
    const request = PullRequest.safeParse(await body.read(c, DEFAULT_BODY_LIMITS));
    if (!request.success) throw new OutpostError("INPUT_INVALID", `Invalid pull request: ${request.error.issues[0]?.message ?? "expected {model}"}`);
    const status = admin().pull(request.data.model);
    if (request.data.stream) return sse(admin().watch(status.id, c.req.raw.signal));
    return c.json(success(status), status.state === "pulling" ? 202 : 200);
  });
  app.get("/pulls", (c) => c.json(success(admin().pulls())));
  app.get("/pulls/:id", (c) => {
    const status = admin().pullStatus(c.req.param("id"));
    if (!status) throw new OutpostError("NOT_FOUND", `No pull with id ${c.req.param("id")}`);
    return c.json(success(status));
  });
  app.get("/pulls/:id/events", (c) => sse(admin().watch(c.req.param("id"), c.req.raw.signal)));
  app.get("/system", async (c) => {
    if (!deps.system) throw new OutpostError("NOT_FOUND", "This server reports no system information");
    return c.json(success(await deps.system()));
  });
  app.get("/models", async (c) => {
    const models = await admin().local();
    // File paths tell where the data dir and mirror live: for admins only.
    return c.json(success(principalOf(c)?.scope === "admin" ? models : models.map(({ path: _path, ...model }) => model)));
  });
  app.delete("/models/*", async (c) => {
    const model = modelFromPath(c, "/models/");
    if (!(await admin().remove(model))) throw new OutpostError("MODEL_NOT_LOCAL", `Nothing is stored for ${model} (files in the mirror are never removed)`);
    return c.json(success({ model, removed: true }));
  });
  return app;
}
