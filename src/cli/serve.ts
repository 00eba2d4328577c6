import { rm } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Server, ServerOptions } from "node:http";
import { serve as serveHttp } from "@hono/node-server";
import { RateLimiter, ReplicatedAccounts, TokenStore, UsageLog, WatchedDatabase } from "../accounts/index.js";
import { createApp, listSetting } from "../api/index.js";
import { loadPlugins, type Config } from "../config/index.js";
import { ReplicatedGateways, withGateways } from "../gateway/index.js";
import { PluginHost } from "../hooks/index.js";
import type { NetworkNode } from "../network/index.js";
import { exposureRefusal } from "./exposure.js";
import { joinNetwork } from "./network-node.js";
import { createOutpost } from "./outpost.js";

/** `outpost serve`: the HTTP server until SIGINT/SIGTERM; a node of the Outpost network when NATS servers are set. */
export async function serve(config: Config): Promise<void> {
  const db = new WatchedDatabase(config.dataDir, { busyTimeoutMs: SERVER_BUSY_TIMEOUT_MS, log: (line) => console.error(line) });
  const tokens = new TokenStore(db);
  const refusal = exposureRefusal(config.host, tokens.enabled(), config.insecureNoAuth);
  if (refusal) {
    db.close();
    throw new Error(refusal);
  }
  let network: NetworkNode | undefined;
  const plugins = await loadPluginHost(config);
  const outpost = createOutpost(config, {
    plugins,
    log: (line) => console.log(line),
    db,
    // Model lookups go to the network's backend once there is one.
    describe: (model) => (network?.backend ?? outpost.backend).describe(model),
    // Network mode: a model published to the network's object store is pulled from there,
    // verified, and put into the store through the store's own pull (a file: source).
    fetchMissing: async (entry, store) => {
      if (!network?.distribution || !entry.artifact) return;
      const file = await network.distribution.pull(entry.artifact, join(store.dataDir, "network-pulls"));
      try {
        await store.pull({ ...entry, artifact: { ...entry.artifact, huggingFace: undefined, url: pathToFileURL(file).href } }).done;
      } finally {
        await rm(file, { force: true });
      }
    },
  });
  const aiGateway = outpost.gateways();
  if (config.natsUrl) network = await joinNetwork(outpost, (line) => console.log(line), withGateways(new ReplicatedAccounts(db), new ReplicatedGateways(db)), aiGateway.cache);
  const backend = network?.backend ?? outpost.backend;
  const registry = outpost.registry;
  const usage = new UsageLog(db, { rateOf: (model) => outpost.catalog.find(model)?.neurons, retentionDays: config.requestLogDays, log: (line) => console.error(line), registry });
  outpost.requests.onFinished((record) => usage.record(record));
  const limiter = new RateLimiter(db, usage, { rateLimits: config.rateLimits, dailyNeurons: config.dailyNeurons, nodes: () => network?.nodeCount() ?? 1 });
  const app = createApp({
    run: outpost.runOver(backend, (run) => aiGateway.gateways.wrap(run)),
    backend,
    maxBodyBytes: config.maxBodyBytes,
    auth: tokens,
    guards: { listenHost: config.host, allowedHosts: listSetting(config.allowedHosts), corsOrigins: listSetting(config.corsOrigins) },
    maxBodyBytesInFlight: config.maxBodyBytesInFlight,
    metrics: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
    store: outpost.admin,
    recentRequests: () => outpost.requests.recent(),
    admit: (principal, model, task) => limiter.admit(principal, model, task),
    logRefusal: (record) => usage.refused(record),
    usage,
    gateways: aiGateway.surface,
    network,
    system: () => outpost.system(),
  });
  const server = serveHttp({ fetch: app.fetch, hostname: config.host, port: config.port, serverOptions: connectionOptions(config) }, (info) => {
    const host = info.family === "IPv6" ? `[${info.address}]` : info.address;
    network?.setHttpUrl(`http://${host}:${info.port}`);
    console.log(`Outpost listening on http://${host}:${info.port}`);
    // The first model's load then finds llama.cpp started, and the backend in use is printed.
    outpost.warm("llama");
  });
  limitConnections(server as Server, config);
  await new Promise<void>((resolve) => {
    const stop = async () => {
      // Leaving announces itself so routers stop at once; a NATS outage must not hold up the exit.
      await Promise.race([network?.close(), new Promise((r) => setTimeout(r, 1_000).unref())]);
      // Awaited, so no runner outlives this process, a loading one included.
      await outpost.close();
      await plugins?.close();
      usage.close();
      db.close();
      server.close(() => resolve());
      // Open streaming connections would keep close() waiting; they are cut, not awaited.
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    };
    process.once("SIGINT", () => void stop());
    process.once("SIGTERM", () => void stop());
  });
}

/** The configured plugins, each in its thread, or undefined when there are none; one that cannot be loaded stops the start. */
async function loadPluginHost(config: Config): Promise<PluginHost | undefined> {
  const specs = loadPlugins(config);
  if (specs.length === 0) return undefined;
  const host = await PluginHost.load(specs, { timeoutMs: config.hookTimeoutMs, memoryMb: config.pluginMemoryMb, log: (line) => console.error(line) });
  console.log(`Plugins: ${specs.map((spec) => `${spec.path} (fail ${spec.failMode})`).join(", ")}`);
  return host;
}

/**
 * How long a server query waits for another process's lock, in ms: better-sqlite3 waits on the
 * event loop, so every request would wait with it. Usage that cannot be written meanwhile is held.
 */
const SERVER_BUSY_TIMEOUT_MS = 250;

/**
 * How often Node checks connections for the header and body timeouts, in ms. Its default (30 s)
 * would let a stalled client stay up to 30 s past its timeout.
 */
const CONNECTIONS_CHECK_MS = 1_000;

/** Slow clients: headers and whole requests must arrive in time, or 408 and the connection closes. */
function connectionOptions(config: Config): ServerOptions {
  // Node refuses a headers timeout longer than the request timeout; 0 turns either off.
  const headersTimeout = config.bodyTimeoutMs > 0 ? Math.min(config.headersTimeoutMs, config.bodyTimeoutMs) : config.headersTimeoutMs;
  return { headersTimeout, requestTimeout: config.bodyTimeoutMs, connectionsCheckingInterval: CONNECTIONS_CHECK_MS };
}

function limitConnections(server: Server, config: Config): void {
  server.maxConnections = config.maxConnections;
  // A client may half-close its side once its request is sent (`curl -T`, `nc -N`, some
  // proxies) and still wait for the answer; Node would otherwise abort the request at the FIN.
  // Node has no public option for it, only this field of http.Server (Node 14 to 24).
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
}
