import { OutpostError } from "../contract/index.js";
import { ENGINE_NAMES } from "../engines/index.js";
import { Catalog } from "../catalog/index.js";
import type { Config } from "../config/index.js";
import { buildView, connectBus, ModelDistribution, observeNetwork, splitServers } from "../network/index.js";
import { ModelStore } from "../store/index.js";
import { printTable } from "./models.js";

function servers(config: Config): string[] {
  const list = splitServers(config.natsUrl);
  if (list.length === 0) throw new Error("no NATS servers: pass --nats nats://host:port or set OUTPOST_NATS_URL");
  return list;
}

/** `outpost network`: cities, nodes, models, load and health, as the network sees them now. */
export async function network(config: Config, json: boolean): Promise<number> {
  const nc = await connectCli(config);
  try {
    const view = buildView("outpost-cli", await observeNetwork(nc), {}, { served: 0, failed: 0, cancelled: 0 });
    if (json) {
      console.log(JSON.stringify(view, null, 2));
      return 0;
    }
    printTable(
      ["REGION", "CITY", "NODE", "HEALTH", "AGE", "LOADED (active/slots, queued)", "LOADABLE"],
      view.nodes.map((n) => [
        n.region,
        n.city,
        n.node,
        n.health,
        `${(n.ageMs / 1000).toFixed(1)}s`,
        Object.entries(n.models)
          .filter(([, load]) => load.loaded)
          .map(([model, load]) => `${model} ${load.active}/${load.slots},${load.queued}`)
          .join(" ") || "-",
        String(n.loadable.length),
      ]),
    );
    console.log("");
    printTable(
      ["MODEL", "CITIES", "NODES", "ACTIVE/SLOTS", "QUEUED"],
      Object.entries(view.models).map(([model, m]) => [model, m.cities.join(","), String(m.nodes), `${m.active}/${m.slots}`, String(m.queued)]),
    );
    return 0;
  } finally {
    await nc.close();
  }
}

/** `outpost models publish <model>`: puts the model's verified file into the network's object store. */
export async function publishModel(config: Config, model: string): Promise<number> {
  const entry = new Catalog(ENGINE_NAMES).runnable(model);
  if (entry.programs) throw new OutpostError("INPUT_INVALID", `${model} has nothing to publish: each node runs it with its own ${entry.programs.join(" and ")}`);
  const path = await new ModelStore({ dataDir: config.dataDir, mirrorDir: config.modelMirror }).resolve(entry);
  const nc = await connectCli(config);
  try {
    const distribution = await ModelDistribution.open(nc);
    const { sha256, sizeBytes } = await distribution.publish({ fileName: entry.artifact?.fileName ?? path, sha256: entry.artifact?.sha256 }, path);
    console.log(`published ${model}: ${entry.artifact?.fileName} (${sizeBytes} bytes, sha256 ${sha256})`);
    return 0;
  } finally {
    await nc.close();
  }
}

/** The CLI's NATS connection; a failure names the servers and what to check, not only the NATS code. */
async function connectCli(config: Config) {
  const list = servers(config);
  try {
    return await connectBus(list, "outpost-cli");
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot reach NATS at ${list.join(", ")} (${why}): is nats-server running there, and are --nats / OUTPOST_NATS_URL right?`, { cause: error });
  }
}
