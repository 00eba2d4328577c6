import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { OutpostError, type Authenticator } from "../contract/index.js";
import { principalOf, SESSION_COOKIE, SESSION_TTL_MS, sourceOf, type Sessions } from "./auth.js";
import { DEFAULT_BODY_LIMITS } from "../tasks/index.js";
import type { BodyReader } from "./body.js";
import { success } from "./envelope.js";
import type { FailureLimiter } from "./failure-limiter.js";

const SignIn = z.object({ token: z.string().min(1).max(200) });

/**
 * The dashboard's sign-in, under `/api/session`: POST a token to get an HttpOnly,
 * SameSite=Strict cookie; GET says whether a sign-in is needed and who is signed in; DELETE
 * signs out. The token itself never goes into the cookie.
 */
export function sessionRoutes(auth: Authenticator, sessions: Sessions, body: BodyReader, limiter: FailureLimiter): Hono {
  const app = new Hono();
  app.get("/", (c) => {
    const principal = principalOf(c);
    return c.json(success({ required: auth.enabled(), signedIn: principal !== undefined, ...(principal ? { account: principal.account, scope: principal.scope } : {}) }));
  });
  app.post("/", async (c) => {
    const request = SignIn.safeParse(await body.read(c, DEFAULT_BODY_LIMITS));
    if (!request.success) throw new OutpostError("INPUT_INVALID", "Invalid sign-in: expected {token}");
    const source = sourceOf(c);
    const waitS = limiter.blockedForS(source);
    if (waitS !== undefined) throw new OutpostError("RATE_LIMITED", "Too many failed authentication attempts from this address; retry later", { retryAfterS: waitS });
    const principal = auth.verify(request.data.token);
    if (!principal?.tokenId) {
      limiter.fail(source);
      throw new OutpostError("UNAUTHENTICATED", "Authentication error");
    }
    setCookie(c, SESSION_COOKIE, sessions.open(principal.tokenId), { httpOnly: true, sameSite: "Strict", path: "/", maxAge: SESSION_TTL_MS / 1000, secure: new URL(c.req.url).protocol === "https:" });
    return c.json(success({ account: principal.account, scope: principal.scope }));
  });
  app.delete("/", (c) => {
    const id = getCookie(c, SESSION_COOKIE);
    if (id) sessions.close(id);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.json(success({ signedIn: false }));
  });
  return app;
}
