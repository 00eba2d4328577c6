import type { PeerStatus } from "./membership.js";
import type { ServedCounts } from "./responder.js";
import type { ModelLoad } from "./types.js";

/** The operations view: `GET /network` and `outpost network`. */
export interface NetworkView {
  /** The node that answered. */
  node: string;
  cities: { city: string; region: string; nodes: number; healthy: number }[];
  nodes: {
    node: string;
    city: string;
    region: string;
    lat?: number;
    lon?: number;
    http?: string;
    health: PeerStatus["health"];
    self: boolean;
    /** Since the last advert heard, ms. */
    ageMs: number;
    rttMs?: number;
    models: Record<string, ModelLoad>;
    loadable: string[];
    speed: { cpus: number; threads: number; tokensPerS: Record<string, number> };
  }[];
  /** Per model, over healthy nodes: where it is loaded and the summed load. */
  models: Record<string, { cities: string[]; nodes: number; slots: number; active: number; queued: number }>;
  /** Requests this node placed, by the city that served them. */
  servedByCity: Record<string, number>;
  /** Requests other nodes sent here, by outcome. */
  servedForOthers: ServedCounts;
}

export function buildView(node: string, peers: PeerStatus[], servedByCity: Record<string, number>, servedForOthers: ServedCounts): NetworkView {
  const nodes = peers
    .map(({ advert, ageMs, rttMs, health, self }) => ({
      node: advert.node,
      city: advert.city,
      region: advert.region,
      lat: advert.lat,
      lon: advert.lon,
      http: advert.http,
      health,
      self,
      ageMs,
      rttMs: rttMs === undefined ? undefined : Math.round(rttMs * 1000) / 1000,
      models: advert.models,
      loadable: advert.loadable,
      speed: advert.speed,
    }))
    .sort((a, b) => a.region.localeCompare(b.region) || a.city.localeCompare(b.city) || a.node.localeCompare(b.node));
  const cities = new Map<string, NetworkView["cities"][number]>();
  const models: NetworkView["models"] = {};
  for (const n of nodes) {
    const city = cities.get(n.city) ?? { city: n.city, region: n.region, nodes: 0, healthy: 0 };
    city.nodes += 1;
    if (n.health === "ok") city.healthy += 1;
    cities.set(n.city, city);
    if (n.health !== "ok") continue;
    for (const [model, load] of Object.entries(n.models)) {
      if (!load.loaded) continue;
      const row = (models[model] ??= { cities: [], nodes: 0, slots: 0, active: 0, queued: 0 });
      if (!row.cities.includes(n.city)) row.cities.push(n.city);
      row.nodes += 1;
      row.slots += load.slots;
      row.active += load.active;
      row.queued += load.queued;
    }
  }
  return { node, cities: [...cities.values()], nodes, models, servedByCity: { ...servedByCity }, servedForOthers: { ...servedForOthers } };
}
