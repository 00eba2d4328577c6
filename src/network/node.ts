import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import type { Registry } from "prom-client";
import type { Backend, ReplicaSource, SharedCache } from "../contract/index.js";
import { AccountsReplica } from "./accounts-replica.js";
import { GatewayCacheReplica } from "./gateway-cache-replica.js";
import type { ResidentStatus } from "../scheduler/index.js";
import { connectBus } from "./bus.js";
import { JETSTREAM_RETRY_MS, JETSTREAM_TIMEOUT_MS, NODES_BUCKET, REGISTRY_TTL_MS } from "./constants.js";
import { ModelDistribution, withReplicas } from "./distribution.js";
import { Membership } from "./membership.js";
import { placedCounter } from "./metrics.js";
import { NetworkBackend, parsePolicy } from "./network-backend.js";
import { RemoteResponder } from "./responder.js";
import { NAME_PATTERN } from "./subjects.js";
import { RemoteCaller } from "./transport.js";
import type { ModelLoad } from "./types.js";
import { buildView, type NetworkView } from "./view.js";

export interface NetworkNodeOptions {
  servers: string[];
  /** Empty: `<city>-<random>`. */
  node: string;
  city: string;
  region: string;
  /** `lat,lon` in degrees, or empty. */
  coords: string;
  slots: number;
  maxQueue: number;
  threads: number;
  residencyPolicy: string;
  /** How long a node sent a request has to answer, beyond its round trip, in ms (OUTPOST_ACCEPT_TIMEOUT_MS). */
  acceptTimeoutMs: number;
  /** This process's scheduler-backed backend and its residency status. */
  local: Backend;
  status: () => ResidentStatus[];
  /** Models whose files this node has on disk (published ones are added here). */
  localModels: () => string[];
  /** Published file name → the models it serves, for what this node could pull and load. */
  modelsOfFile: (fileName: string) => string[];
  /** Where `outpost_network_requests_total` is registered (the process's /metrics). */
  registry: Registry;
  /** This node's tokens and accounts, shared with every node through JetStream KV; absent: not shared. */
  accounts?: ReplicaSource;
  /** This node's AI Gateway cache, shared with every node through JetStream KV; absent: not shared. */
  gatewayCache?: SharedCache;
  log: (line: string) => void;
}

export interface NetworkNode {
  readonly backend: NetworkBackend;
  readonly node: string;
  /** Undefined while JetStream is unreachable (or off): no model distribution then. */
  readonly distribution: ModelDistribution | undefined;
  setHttpUrl(url: string): void;
  /** Nodes with a fresh advert, this one included: each enforces its share of an account's rate limits. */
  nodeCount(): number;
  view(): NetworkView;
  close(): Promise<void>;
}

export function parseCoords(coords: string): { lat?: number; lon?: number } {
  if (coords.trim() === "") return {};
  const [lat, lon] = coords.split(",").map((part) => Number(part.trim()));
  if (lat === undefined || lon === undefined || !Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    throw new Error(`OUTPOST_COORDS / --coords must be 'lat,lon' in degrees, got '${coords}'`);
  }
  return { lat, lon };
}

function checkName(what: string, value: string): string {
  if (!NAME_PATTERN.test(value)) throw new Error(`${what} must be lower-case letters, digits and dashes, got '${value}'`);
  return value;
}

/** Joins the Outpost network: connects, advertises, answers remote runs, and routes requests. */
export async function startNetworkNode(options: NetworkNodeOptions): Promise<NetworkNode> {
  const city = checkName("OUTPOST_CITY / --city", options.city);
  const region = checkName("OUTPOST_REGION / --region", options.region);
  const node = checkName("OUTPOST_NODE_ID / --node-id", options.node || `${city}-${randomBytes(3).toString("hex")}`);
  const { lat, lon } = parseCoords(options.coords);
  const policy = parsePolicy(options.residencyPolicy);
  const nc = await connectBus(options.servers, `outpost-${node}`);
  const startedAt = Date.now();
  let httpUrl: string | undefined;
  const servedByCity: Record<string, number> = {};
  const countPlaced = placedCounter(options.registry);

  let distribution: ModelDistribution | undefined;
  let accounts: AccountsReplica | undefined;
  let gatewayCache: GatewayCacheReplica | undefined;
  const loadable = () => {
    const models = new Set(options.localModels());
    for (const fileName of distribution?.published ?? []) for (const model of options.modelsOfFile(fileName)) models.add(model);
    return [...models].sort();
  };

  const tokensPerS: Record<string, number> = {};
  const membership = new Membership({
    nc,
    log: options.log,
    describeSelf: () => ({
      node,
      city,
      region,
      lat,
      lon,
      startedAt,
      http: httpUrl,
      models: Object.fromEntries(
        options.status().map((s): [string, ModelLoad] => [s.model, { loaded: s.loaded, slots: options.slots, active: s.active, queued: s.queued, maxQueue: options.maxQueue }]),
      ),
      loadable: loadable(),
      slots: options.slots,
      maxQueue: options.maxQueue,
      speed: { cpus: availableParallelism(), threads: options.threads, tokensPerS: { ...tokensPerS } },
    }),
  });
  const caller = new RemoteCaller(nc, { acceptTimeoutMs: options.acceptTimeoutMs });
  const backend = new NetworkBackend({
    local: options.local,
    tokensPerS,
    membership,
    caller,
    self: { node, city, region, lat, lon },
    policy,
    onServed: (model, placement, route) => {
      servedByCity[placement.city] = (servedByCity[placement.city] ?? 0) + 1;
      countPlaced(model, placement.city, placement.region, route);
    },
    onLoadChanged: () => membership.changed(),
  });
  const responder = new RemoteResponder(nc, node, (model, job, runOptions) => backend.serveHere(model, job, runOptions));
  responder.start();
  await membership.start();
  let closed = false;
  // JetStream may still be electing its leader when a node starts (seconds after the servers
  // do), and it may be off altogether: the node routes without it and attaches when it can.
  const attach = async (): Promise<boolean> => {
    try {
      const js = nc.jetstream({ timeout: JETSTREAM_TIMEOUT_MS });
      const registry = await withReplicas((replicas) => js.views.kv(NODES_BUCKET, { history: 1, ttl: REGISTRY_TTL_MS, replicas }));
      distribution ??= await ModelDistribution.open(nc, js);
      if (options.accounts) accounts ??= await AccountsReplica.open(js, options.accounts, options.log);
      // The cache is only a cache: a bucket that cannot be opened leaves each node its own, and the rest attaches.
      if (options.gatewayCache && !gatewayCache) {
        gatewayCache = await GatewayCacheReplica.open(js, options.gatewayCache, options.log).catch((error: unknown) => {
          options.log(`network: gateway cache not shared (${error instanceof Error ? error.message : String(error)}); each node keeps its own`);
          return undefined;
        });
      }
      await membership.attachRegistry(registry);
      membership.publish();
      return true;
    } catch (error) {
      if (!closed) options.log(`network: JetStream not available yet (${error instanceof Error ? error.message : String(error)}); node registry and model distribution will attach when it is`);
      return false;
    }
  };
  let retry: NodeJS.Timeout | undefined;
  void attach().then((ok) => {
    if (ok || closed) return;
    retry = setInterval(() => void attach().then((done) => done && clearInterval(retry)), JETSTREAM_RETRY_MS);
    retry.unref();
  });
  const refresh = setInterval(() => void distribution?.refresh().catch(() => undefined), 5_000);
  refresh.unref();
  options.log(`network: node ${node} joined as city ${city}, region ${region}${lat === undefined ? "" : ` at ${lat},${lon}`} via ${options.servers.join(",")}`);

  return {
    backend,
    node,
    get distribution() {
      return distribution;
    },
    setHttpUrl(url) {
      httpUrl = url;
      membership.publish();
    },
    nodeCount: () => membership.views().length,
    view: () => buildView(node, membership.status(), servedByCity, responder.counts),
    async close() {
      closed = true;
      clearInterval(refresh);
      clearInterval(retry);
      accounts?.close();
      gatewayCache?.close();
      responder.close();
      caller.close();
      await membership.close();
      await nc.drain().catch(() => undefined);
    },
  };
}
