import { execSync } from "node:child_process";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { failover, routedLatency } from "./processes.js";
import { DEFAULT_SIM, simulate } from "./simulate.js";

/**
 * `npm run bench:network`: JSON lines, one per measurement, tagged with the device and
 * commit. Measurements, not assertions; compare only runs from the same device.
 * `--parts routed,failover,simulation` picks measurements; `--base <checkout>` (built) runs a
 * second network from that checkout interleaved with this one in the routed-hop measurement.
 */
const { values: args } = parseArgs({
  options: {
    parts: { type: "string", default: "routed,failover,simulation" },
    base: { type: "string" },
    rounds: { type: "string", default: "12" },
    "per-round": { type: "string", default: "40" },
  },
});
const parts = new Set(args.parts.split(","));
const tags = {
  device: `${cpus()[0]?.model ?? "unknown"} x${cpus().length}`,
  node: process.version,
  commit: (() => {
    try {
      return execSync("git rev-parse --short HEAD", { encoding: "utf8" }).trim();
    } catch {
      return "unknown";
    }
  })(),
};
const emit = (bench: string, result: object) => console.log(JSON.stringify({ bench, ...tags, ...result }));

if (parts.has("routed")) {
  emit("network.routed-latency", { target: "added p50 <= 1 ms per routed hop", ...(await routedLatency({ rounds: Number(args.rounds), perRound: Number(args["per-round"]), base: args.base })) });
}
if (parts.has("failover")) emit("network.failover", { target: "before first token < 1000 ms", ...(await failover(3)) });
if (parts.has("simulation")) {
  // The same world and traffic routed by the omniscient bound: the share no router can beat.
  const bound = (demand: "uneven" | "zipf") => ({ omniscientRouterShare: simulate({ ...DEFAULT_SIM, demand, router: "omniscient" }).nearestWithCapacityShare });
  emit("network.simulation", { target: ">= 99% nearest with capacity, 0 lost without an error", ...simulate(DEFAULT_SIM), ...bound("uneven") });
  emit("network.simulation.hot-spots", { note: "stress: Zipf demand, the hottest city asks for 19% of the world's requests", ...simulate({ ...DEFAULT_SIM, demand: "zipf" }), ...bound("zipf") });
}
