import type { NatsConnection } from "nats";
import { decode } from "./bus.js";
import { ADVERT_INTERVAL_MS, ADVERT_TTL_MS, NODES_BUCKET } from "./constants.js";
import type { PeerStatus } from "./membership.js";
import { SUBJECTS } from "./subjects.js";
import type { Advert } from "./types.js";

/**
 * What an outside observer (the `outpost network` command) learns in about one advert
 * interval: the registry's nodes, refreshed by the adverts heard meanwhile. A registered node
 * that sent no advert shows as stale.
 */
export async function observeNetwork(nc: NatsConnection, waitMs = ADVERT_INTERVAL_MS * 1.5): Promise<PeerStatus[]> {
  const heard = new Map<string, { advert: Advert; at: number }>();
  const sub = nc.subscribe(SUBJECTS.adverts, {
    callback: (_err, msg) => {
      if (msg.data.length === 0) return;
      const advert = decode<Advert>(msg.data);
      heard.set(advert.node, { advert, at: Date.now() });
    },
  });
  try {
    const kv = await nc.jetstream().views.kv(NODES_BUCKET, { bindOnly: true });
    for await (const key of await kv.keys()) {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== "PUT" || entry.value.length === 0) continue;
      const advert = decode<Advert>(entry.value);
      if (!heard.has(advert.node)) heard.set(advert.node, { advert, at: entry.created.getTime() });
    }
  } catch {
    // No JetStream or no registry yet: adverts alone.
  }
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  sub.unsubscribe();
  const now = Date.now();
  return [...heard.values()].map(({ advert, at }) => ({ advert, ageMs: now - at, health: now - at > ADVERT_TTL_MS ? "stale" : "ok", self: false }));
}
