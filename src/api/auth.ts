import { randomBytes } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { OutpostError, scopeIncludes, type Authenticator, type Principal, type Scope } from "../contract/index.js";
import type { FailureLimiter } from "./failure-limiter.js";

/** The dashboard's session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
export const SESSION_COOKIE = "outpost_session";
/** How long a dashboard sign-in lasts, in ms. */
export const SESSION_TTL_MS = 12 * 3_600_000;
/** Query parameters that would carry a credential into access logs and browser history. */
const CREDENTIAL_PARAMS = ["token", "access_token", "api_key", "apikey", "key", "auth", "authorization"];

const principals = new WeakMap<Request, Principal>();

/** The caller of a request that passed `authenticate`. */
export function principalOf(c: Context): Principal | undefined {
  return principals.get(c.req.raw);
}

/**
 * The scope a route needs, or undefined for the public ones: health, the dashboard's files and
 * its sign-in. Inference needs run; pulls, deletion, tokens and the system report need admin; the rest reads.
 */
export function requiredScope(method: string, path: string): Scope | undefined {
  if (path === "/healthz" || path === "/" || path.startsWith("/assets/") || path === "/api/session") return undefined;
  if (path === "/api/pull" || path.startsWith("/api/pulls") || path.startsWith("/api/tokens") || path === "/api/system" || (method === "DELETE" && path.startsWith("/api/models/"))) return "admin";
  if (method === "GET" || method === "HEAD") return "read";
  return "run";
}

/** Dashboard sessions, in memory: a restart signs everyone out, and each request re-checks the token behind it. */
export class Sessions {
  readonly #sessions = new Map<string, { tokenId: string; expiresAt: number }>();

  open(tokenId: string, now = Date.now()): string {
    for (const [id, session] of this.#sessions) if (session.expiresAt <= now) this.#sessions.delete(id);
    const id = randomBytes(32).toString("base64url");
    this.#sessions.set(id, { tokenId, expiresAt: now + SESSION_TTL_MS });
    return id;
  }

  tokenId(id: string, now = Date.now()): string | undefined {
    const session = this.#sessions.get(id);
    return session && session.expiresAt > now ? session.tokenId : undefined;
  }

  close(id: string): void {
    this.#sessions.delete(id);
  }
}

/** The remote address of the connection (@hono/node-server passes the socket in env). */
export function sourceOf(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? "unknown";
}

function bearer(c: Context): string | undefined {
  const header = c.req.header("authorization");
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  // A malformed header is a failed attempt, not an anonymous request.
  return match?.[1] ?? "";
}

/**
 * Who is calling, checked before any route: a bearer token, or the dashboard's session cookie.
 * While no token exists every caller is the open server's admin (the laptop case: the guards
 * and the loopback-only listen keep others out). Sources that keep presenting wrong tokens are
 * refused for a while without their guesses being checked.
 */
export function authenticate(auth: Authenticator, sessions: Sessions, limiter: FailureLimiter): MiddlewareHandler {
  return async (c, next) => {
    const query = new URL(c.req.url).searchParams;
    if (CREDENTIAL_PARAMS.some((name) => query.has(name)) || c.req.url.includes("opk_")) {
      throw new OutpostError("UNAUTHENTICATED", "Authentication error: tokens in the query string are refused (they end up in logs); send Authorization: Bearer <token>");
    }
    const needed = requiredScope(c.req.method, c.req.path);
    // Health and the dashboard's files never touch the database, so they answer while it is down.
    if (needed === undefined && c.req.path !== "/api/session") return next();
    // Workers AI's path, or an AI Gateway URL's (/v1/{account}/{gateway}/workers-ai/…).
    const accountInPath = (/^\/client\/v4\/accounts\/([^/]+)\//.exec(c.req.path) ?? /^\/v1\/([^/]+)\/[^/]+\/workers-ai\//.exec(c.req.path))?.[1];
    if (!auth.enabled()) {
      principals.set(c.req.raw, { account: accountInPath ?? "local", scope: "admin", models: [] });
      return next();
    }
    const secret = bearer(c);
    const session = secret === undefined ? getCookie(c, SESSION_COOKIE) : undefined;
    if (needed === undefined && secret === undefined && session === undefined) return next();
    const source = sourceOf(c);
    const waitS = limiter.blockedForS(source);
    if (waitS !== undefined) throw new OutpostError("RATE_LIMITED", "Too many failed authentication attempts from this address; retry later", { retryAfterS: waitS });
    const sessionToken = session === undefined ? undefined : sessions.tokenId(session);
    const principal = secret !== undefined ? auth.verify(secret) : sessionToken !== undefined ? auth.principal(sessionToken) : undefined;
    if (!principal) {
      if (secret !== undefined) limiter.fail(source);
      if (needed === undefined) return next();
      throw new OutpostError("UNAUTHENTICATED", secret === undefined && session === undefined ? "Authentication error: send Authorization: Bearer <token>" : "Authentication error");
    }
    // Known before the checks below, so that a 403 is logged under the token's account; a refused request runs nothing.
    principals.set(c.req.raw, principal);
    if (needed !== undefined && !scopeIncludes(principal.scope, needed)) throw new OutpostError("FORBIDDEN", `This token's scope is ${principal.scope}; ${c.req.method} ${c.req.path} needs ${needed}`);
    if (accountInPath !== undefined && decodeURIComponent(accountInPath) !== principal.account) throw new OutpostError("FORBIDDEN", "This token does not belong to the account in the path");
    await next();
  };
}
