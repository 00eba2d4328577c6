import { Counter } from "prom-client";

/**
 * Requests by serving city, on prom-client's default registry (whatever serves /metrics there
 * exports it). Created once per process: a registry refuses a second metric of the same name.
 */
let requests: Counter<"model" | "city" | "region" | "route"> | undefined;

export function countPlaced(model: string, city: string, region: string, route: "local" | "remote"): void {
  requests ??= new Counter({
    name: "outpost_network_requests_total",
    help: "Requests placed by this node, by the city that served them; route is local (this node) or remote.",
    labelNames: ["model", "city", "region", "route"],
  });
  requests.inc({ model, city, region, route });
}
