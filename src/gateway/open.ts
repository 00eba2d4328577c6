import type { DatabaseHandle, NeuronRate } from "../accounts/index.js";
import { ResponseCache } from "./cache.js";
import { CacheStore } from "./cache-store.js";
import { loadGatewayFile } from "./file.js";
import { Gateways } from "./gateways.js";
import type { AiGatewayPatchLog } from "../binding/index.js";
import { GatewayLogs, type GatewayLogEntry, type LogQuery } from "./logs.js";
import { GatewayRegistry, type GatewayInfo } from "./registry.js";
import type { Gateway } from "./settings.js";

export interface OpenGatewaysOptions {
  /** The accounts database: gateways, cache and logs live beside accounts and tokens. */
  db: DatabaseHandle;
  /** OUTPOST_GATEWAY_CACHE_BYTES. */
  cacheBytes: number;
  describe: (model: string) => { id: string; task: string };
  rateOf: (model: string) => NeuronRate | undefined;
  log: (line: string) => void;
  /** Where outpost.json is read from. Default: the working directory. */
  dir?: string;
}

/** What the API's gateway routes and `env.AI.gateway(id)` read and change. */
export interface GatewaySurface {
  list(): GatewayInfo[];
  /** Throws GATEWAY_NOT_FOUND. */
  get(id: string): Gateway;
  logs(query: LogQuery): { entries: GatewayLogEntry[]; total: number };
  log(gateway: string, id: string): GatewayLogEntry | undefined;
  patchLog(gateway: string, id: string, patch: AiGatewayPatchLog): boolean;
}

/** An open AI Gateway: what serves requests naming a gateway, and what reads and changes gateways and logs. */
export interface OpenedGateways {
  gateways: Gateways;
  cache: ResponseCache;
  logs: GatewayLogs;
  surface: GatewaySurface;
  /** Writes the logs and cache still held; the database stays open. */
  close(): void;
}

/** The server's AI Gateway: outpost.json's and the database's gateways, the cache loaded from the database, and the logs. */
export function openGateways(options: OpenGatewaysOptions): OpenedGateways {
  const cache = new ResponseCache({ maxBytes: options.cacheBytes });
  const store = new CacheStore(options.db, options.log);
  store.load(cache);
  cache.attach(store);
  const logs = new GatewayLogs(options.db, options.log);
  const registry = new GatewayRegistry(options.db, loadGatewayFile(options.dir));
  const gateways = new Gateways({ registry, cache, logs, describe: options.describe, rateOf: options.rateOf });
  return {
    gateways,
    cache,
    logs,
    surface: {
      list: () => registry.list(),
      get: (id) => registry.get(id),
      logs: (query) => logs.query(query),
      log: (gateway, id) => logs.get(gateway, id),
      patchLog: (gateway, id, patch) => logs.patch(gateway, id, patch),
    },
    close: () => {
      logs.close();
      store.flush();
    },
  };
}
