import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import { OutpostError } from "../contract/index.js";
import { failure } from "./envelope.js";

/** Where `npm run build` puts the dashboard: dist/web beside this module's dist/api. */
const WEB_DIR = fileURLToPath(new URL("../web/", import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".svg": "image/svg+xml",
};

/**
 * The page may load and call only this server: the browser itself enforces that the dashboard
 * works offline (no CDN, no web fonts, no third-party calls). Media may also be `blob:`: the
 * Audio page plays speech and recordings it holds in memory.
 */
const CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The dashboard (src/web, built to dist/web): `/` and its `/assets/*`. Assets are not
 * fingerprinted, so every response says no-cache and a rebuilt dashboard shows at once.
 */
export function webRoutes(dir = WEB_DIR): Hono {
  const app = new Hono();
  const send = async (path: string) => {
    const type = CONTENT_TYPES[extname(path)];
    const body = type ? await readFile(join(dir, path)).catch(() => undefined) : undefined;
    if (!type || !body) return undefined;
    return new Response(body, { headers: { "content-type": type, "cache-control": "no-cache", "content-security-policy": CONTENT_SECURITY_POLICY, "x-content-type-options": "nosniff" } });
  };
  app.get("/", async () => (await send("index.html")) ?? failure(new OutpostError("NOT_FOUND", "The dashboard is not built: run npm run build")));
  app.get("/assets/:name", async (c) => {
    const name = c.req.param("name");
    // One plain file name: no separators, no dot-files, nothing outside assets/.
    const response = /^[\w-][\w.-]*$/.test(name) ? await send(join("assets", name)) : undefined;
    return response ?? failure(new OutpostError("NOT_FOUND", `No route for GET ${c.req.path}`));
  });
  return app;
}
