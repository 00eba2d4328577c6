import { serve as serveHttp } from "@hono/node-server";
import { createApp } from "../api/index.js";
import type { Config } from "../config/index.js";
import { createOutpost } from "./outpost.js";

/** `outpost serve`: the HTTP server until SIGINT/SIGTERM. */
export async function serve(config: Config): Promise<void> {
  const outpost = createOutpost(config);
  const registry = outpost.metrics.registry;
  const app = createApp({
    run: outpost.run,
    backend: outpost.backend,
    maxBodyBytes: config.maxBodyBytes,
    metrics: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
    store: outpost.admin,
    recentRequests: () => outpost.metrics.recent(),
  });
  const server = serveHttp({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
    console.log(`Outpost listening on http://${host}:${info.port}`);
  });
  await new Promise<void>((resolve) => {
    const stop = () => {
      outpost.close();
      server.close(() => resolve());
      // Open streaming connections would keep close() waiting; they are cut, not awaited.
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
