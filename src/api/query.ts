import type { Context } from "hono";
import { parseDuration } from "../accounts/index.js";
import { OutpostError } from "../contract/index.js";
import { principalOf } from "./auth.js";

/** The query parameters the admin read APIs (usage, request and gateway logs) share. */

export function positiveInt(c: Context, name: string, fallback: number): number {
  const raw = c.req.query(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new OutpostError("INPUT_INVALID", `Invalid query parameter '${name}': expected a positive integer`);
  return n;
}

/** An ISO 8601 time, or a span back from now (`24h`, `7d`, `90m`). */
export function instant(c: Context, name: string): string | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return undefined;
  const span = parseDuration(raw);
  const ms = span !== undefined ? Date.now() - span : Date.parse(raw);
  if (!Number.isFinite(ms)) throw new OutpostError("INPUT_INVALID", `Invalid query parameter '${name}': expected an ISO 8601 time or a span such as 24h or 7d`);
  return new Date(ms).toISOString();
}

/** `account`: admins see every account (or the one they name); anyone else only their own `what`. */
export function accountFilter(c: Context, what: string): string | undefined {
  const principal = principalOf(c);
  const asked = c.req.query("account") || undefined;
  if (!principal || principal.scope === "admin") return asked;
  if (asked !== undefined && asked !== principal.account) throw new OutpostError("FORBIDDEN", `This token may read only its own account's ${what}`);
  return principal.account;
}
