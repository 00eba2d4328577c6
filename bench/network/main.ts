import { execSync } from "node:child_process";
import { cpus } from "node:os";
import { failover, routedLatency } from "./processes.js";
import { DEFAULT_SIM, simulate } from "./simulate.js";

/**
 * `npm run bench:network`: JSON lines, one per measurement, tagged with the device and
 * commit. Measurements, not assertions; compare only runs from the same device.
 */
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

emit("network.routed-latency", { model: "@cf/karpathy/tinyllamas-stories-260k", target: "added p50 <= 1 ms per routed hop", ...(await routedLatency(300)) });
emit("network.failover", { target: "before first token < 1000 ms", ...(await failover(3)) });
emit("network.simulation", { target: ">= 99% nearest with capacity, 0 lost without an error", ...simulate(DEFAULT_SIM) });
emit("network.simulation.hot-spots", { note: "stress: Zipf demand, the hottest city asks for 19% of the world's requests", ...simulate({ ...DEFAULT_SIM, demand: "zipf" }) });
