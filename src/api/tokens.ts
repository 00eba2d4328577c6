import { Hono } from "hono";
import { z } from "zod";
import { OutpostError, SCOPES, type TokenAdmin } from "../contract/index.js";
import { DEFAULT_BODY_LIMITS } from "../tasks/index.js";
import type { BodyReader } from "./body.js";
import { success } from "./envelope.js";

const CreateRequest = z.object({
  account: z.string().min(1).max(64),
  scope: z.enum(SCOPES),
  models: z.array(z.string().min(1).max(200)).max(100).optional(),
  name: z.string().max(200).optional(),
  /** Lifetime in seconds; omitted: until revoked. */
  expiresInS: z.number().int().positive().optional(),
});

/** `/api/tokens` (admin scope): list, create (the secret is in this one answer only) and revoke. */
export function tokenRoutes(tokens: TokenAdmin, body: BodyReader): Hono {
  const app = new Hono();
  app.get("/", (c) => c.json(success(tokens.list())));
  app.post("/", async (c) => {
    const request = CreateRequest.safeParse(await body.read(c, DEFAULT_BODY_LIMITS));
    if (!request.success) throw new OutpostError("INPUT_INVALID", `Invalid token request: ${request.error.issues[0]?.message ?? "expected {account, scope}"}`);
    const { expiresInS, ...rest } = request.data;
    return c.json(success(tokens.create({ ...rest, expiresInMs: expiresInS === undefined ? undefined : expiresInS * 1000 })), 201);
  });
  app.delete("/:id", (c) => {
    if (!tokens.revoke(c.req.param("id"))) throw new OutpostError("NOT_FOUND", `No active token ${c.req.param("id").slice(0, 40)}`);
    return c.json(success({ id: c.req.param("id"), revoked: true }));
  });
  return app;
}
