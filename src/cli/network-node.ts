import { existsSync } from "node:fs";
import { join } from "node:path";
import { RUNNABLE_ENGINES, type CatalogEntry } from "../catalog/index.js";
import { splitServers, startNetworkNode, type NetworkNode } from "../network/index.js";
import type { Outpost } from "./outpost.js";

/** How long the list of model files on disk is reused before it is looked at again. */
const LOCAL_MODELS_TTL_MS = 2_000;

function runnable(outpost: Outpost): CatalogEntry[] {
  return outpost.catalog.list().filter((entry) => entry.artifact !== undefined && RUNNABLE_ENGINES.has(entry.engine));
}

/** Wires a node of the Outpost network around a single-process Outpost (`serve --nats …`). */
export async function joinNetwork(outpost: Outpost, log: (line: string) => void): Promise<NetworkNode> {
  const { config } = outpost;
  let cached: { at: number; models: string[] } | undefined;
  const localModels = () => {
    if (cached && Date.now() - cached.at < LOCAL_MODELS_TTL_MS) return cached.models;
    const dirs = [config.modelMirror, join(outpost.store.dataDir, "models")].filter(Boolean);
    const models = runnable(outpost)
      .filter((entry) => dirs.some((dir) => existsSync(join(dir, entry.artifact?.fileName ?? ""))))
      .map((entry) => entry.id);
    cached = { at: Date.now(), models };
    return models;
  };
  return startNetworkNode({
    servers: splitServers(config.natsUrl),
    node: config.nodeId,
    city: config.city,
    region: config.region,
    coords: config.coords,
    slots: config.slots,
    maxQueue: config.maxQueue,
    threads: config.threads,
    residencyPolicy: config.residencyPolicy,
    local: outpost.backend,
    status: () => outpost.scheduler.status(),
    localModels,
    modelsOfFile: (fileName) => runnable(outpost).filter((entry) => entry.artifact?.fileName === fileName).map((entry) => entry.id),
    log,
  });
}
