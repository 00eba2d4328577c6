import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import type { CatalogEntry } from "../catalog/index.js";
import type { ReplicaSource, SharedCache } from "../contract/index.js";
import { splitServers, startNetworkNode, type NetworkNode } from "../network/index.js";
import type { Outpost } from "./outpost.js";

/** How often the list of models with weights on disk (mirror or store) is looked at again. */
const LOCAL_MODELS_REFRESH_MS = 2_000;

function runnable(outpost: Outpost): CatalogEntry[] {
  return outpost.catalog.list().filter((entry) => outpost.catalog.isRunnable(entry));
}

/** Whether every command is an executable on PATH: a model that is programs is local wherever they are installed. */
function installed(commands: string[]): boolean {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  const executable = (path: string) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  return commands.every((command) => dirs.some((dir) => executable(join(dir, command))));
}

/** Wires a node of the Outpost network around a single-process Outpost (`serve --nats …`). */
export async function joinNetwork(outpost: Outpost, log: (line: string) => void, accounts?: ReplicaSource, gatewayCache?: SharedCache): Promise<NetworkNode> {
  const { config, store } = outpost;
  // Adverts are built synchronously, often: they read this list, refreshed in the background.
  let localModels: string[] = [];
  const refresh = async () => {
    const found = await Promise.all(
      runnable(outpost).map(async (entry) => {
        if (entry.programs) return installed(entry.programs) ? entry.id : undefined;
        const artifact = entry.artifact;
        if (!artifact) return undefined;
        const onDisk = (await store.mirrorPath(artifact).catch(() => undefined)) ?? (await store.stored(entry).catch(() => undefined));
        return onDisk ? entry.id : undefined;
      }),
    );
    localModels = found.filter((id): id is string => id !== undefined);
  };
  await refresh();
  setInterval(() => void refresh(), LOCAL_MODELS_REFRESH_MS).unref();
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
    acceptTimeoutMs: config.acceptTimeoutMs,
    local: outpost.backend,
    status: () => outpost.scheduler.status(),
    localModels: () => localModels,
    modelsOfFile: (fileName) => runnable(outpost).filter((entry) => entry.artifact?.fileName === fileName).map((entry) => entry.id),
    registry: outpost.registry,
    accounts,
    gatewayCache,
    log,
  });
}
