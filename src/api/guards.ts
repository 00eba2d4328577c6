import { hostname } from "node:os";
import { isIP } from "node:net";
import type { MiddlewareHandler } from "hono";
import { OutpostError } from "../contract/index.js";

/** Requests that cannot change anything; every other method is checked for cross-site origin. */
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The content types a browser may send cross-site without a preflight: JSON never comes as one of them. */
const SIMPLE_CONTENT_TYPES = new Set(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]);

export interface GuardSettings {
  /** The address the server listens on (--host): a name there is the server's own. */
  listenHost: string;
  /** OUTPOST_ALLOWED_HOSTS entries: exact names, or `.example.com` for its subdomains. */
  allowedHosts: string[];
  /** OUTPOST_CORS_ORIGINS entries, exactly as a browser's Origin header spells them. */
  corsOrigins: string[];
}

/** Comma-separated setting → trimmed, lower-cased, non-empty entries. */
export function listSetting(value: string): string[] {
  return value
    .split(",")
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
}

/** The host name of a Host header, without port or IPv6 brackets, lower-cased. */
function hostName(header: string): string {
  const host = header.trim().toLowerCase();
  if (host.startsWith("[")) return host.slice(1, host.indexOf("]"));
  const colon = host.lastIndexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}

/**
 * Whether a Host header names this server. A DNS-rebinding page reaches the server under the
 * attacker's own name, so only names the operator chose pass: loopback names, this machine's
 * name, the listen address and the allowed list. IP literals pass because a page served from
 * an IP address is that address's own origin, not a rebound name.
 */
export function hostAllowed(header: string, settings: GuardSettings): boolean {
  const name = hostName(header).replace(/\.$/, "");
  if (isIP(name) !== 0) return true;
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  const own = [hostname().toLowerCase(), settings.listenHost.toLowerCase()];
  if (own.includes(name)) return true;
  return settings.allowedHosts.some((allowed) => (allowed.startsWith(".") ? name.endsWith(allowed) || name === allowed.slice(1) : name === allowed));
}

/** 403 for a Host header that is not this server's (DNS-rebinding guard). */
export function hostGuard(settings: GuardSettings): MiddlewareHandler {
  return async (c, next) => {
    // The URL's host is the Host header's (a request without one cannot come from a browser page).
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (!hostAllowed(host, settings)) {
      throw new OutpostError("FORBIDDEN", `Host '${host.slice(0, 100)}' is not a name of this server; add it to OUTPOST_ALLOWED_HOSTS to serve it`);
    }
    await next();
  };
}

function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    // `Origin: null` (sandboxed frames, file: pages) and garbage name no host.
    return undefined;
  }
}

/**
 * Refuses state-changing requests from other sites: a page elsewhere may not run models, pull
 * or delete through the operator's browser. Browsers mark such requests with Sec-Fetch-Site
 * and Origin; a simple-request content type (what a cross-site form or `text/plain` fetch
 * sends without a preflight) is refused on JSON routes even when a browser omits both.
 * Origins in OUTPOST_CORS_ORIGINS are allowed.
 */
export function crossSiteGuard(settings: GuardSettings): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const origin = c.req.header("origin");
    // Host, not scheme: behind a TLS proxy the page is https while this server sees http.
    const own = (c.req.header("host") ?? new URL(c.req.url).host).toLowerCase();
    const allowedOrigin = origin !== undefined && (originHost(origin) === own || settings.corsOrigins.includes(origin.toLowerCase()));
    const site = c.req.header("sec-fetch-site");
    if (origin !== undefined && !allowedOrigin) throw new OutpostError("FORBIDDEN", `Cross-site request from ${origin.slice(0, 100)} refused; add the origin to OUTPOST_CORS_ORIGINS to allow it`);
    if (site !== undefined && site !== "same-origin" && site !== "none" && !allowedOrigin) throw new OutpostError("FORBIDDEN", `Cross-site request (Sec-Fetch-Site: ${site.slice(0, 20)}) refused`);
    const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
    if (type !== undefined && SIMPLE_CONTENT_TYPES.has(type) && c.req.path.startsWith("/api/")) {
      throw new OutpostError("FORBIDDEN", `Content-Type ${type} refused: send JSON as application/json`);
    }
    await next();
  };
}

/**
 * CORS for the configured origins only: preflights answered, responses readable by those
 * pages. Any other origin gets no CORS headers, so its page can read nothing.
 */
export function cors(settings: GuardSettings): MiddlewareHandler {
  return async (c, next) => {
    const origin = c.req.header("origin");
    const allowed = origin !== undefined && settings.corsOrigins.includes(origin.toLowerCase());
    if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method")) {
      if (!allowed) return c.body(null, 403);
      return c.body(null, 204, {
        "access-control-allow-origin": origin,
        "access-control-allow-methods": "GET, POST, DELETE",
        "access-control-allow-headers": "authorization, content-type, x-outpost-residency",
        "access-control-max-age": "600",
        vary: "origin",
      });
    }
    await next();
    if (allowed) {
      c.res.headers.set("access-control-allow-origin", origin);
      c.res.headers.append("vary", "origin");
    }
  };
}
