import { Counter, type Registry } from "prom-client";

/** Requests by the city that served them, on the process's registry (GET /metrics). */
export function placedCounter(registry: Registry): (model: string, city: string, region: string, route: "local" | "remote") => void {
  const requests = new Counter({
    name: "outpost_network_requests_total",
    help: "Requests placed by this node, by the city that served them; route is local (this node) or remote.",
    labelNames: ["model", "city", "region", "route"],
    registers: [registry],
  });
  return (model, city, region, route) => requests.inc({ model, city, region, route });
}
