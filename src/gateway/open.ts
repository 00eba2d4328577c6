import type { DatabaseHandle, NeuronRate } from "../accounts/index.js";
import { ResponseCache } from "./cache.js";
import { CacheStore } from "./cache-store.js";
import { loadGatewayFile } from "./file.js";
import { Gateways } from "./gateways.js";
import { GatewayLogs } from "./logs.js";
import { GatewayRegistry } from "./registry.js";

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

/** The server's AI Gateway: outpost.json's and the database's gateways, the cache loaded from the database, and the logs. */
export function openGateways(options: OpenGatewaysOptions): { gateways: Gateways; cache: ResponseCache; logs: GatewayLogs; close(): void } {
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
    close: () => {
      logs.close();
      store.flush();
    },
  };
}
