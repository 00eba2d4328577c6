import type { KV, NatsConnection, Subscription } from "nats";
import { ADVERT_INTERVAL_MS, ADVERT_MIN_GAP_MS, ADVERT_TTL_MS, NODES_BUCKET, PING_INTERVAL_MS, PING_TIMEOUT_MS, REGISTRY_INTERVAL_MS, RTT_MIN_SAMPLES, RTT_SAMPLES, SUSPECT_MS } from "./constants.js";
import { decode, encode } from "./bus.js";
import type { NodeView } from "./placement.js";
import { Reservations, type Reservation } from "./reservations.js";
import { SUBJECTS } from "./subjects.js";
import type { Advert } from "./types.js";

interface Peer {
  advert: Advert;
  receivedAt: number;
  rttMs?: number;
  rttSamples: number[];
  /** Left out of placement until this time, unless a newer advert arrives. */
  suspectUntil: number;
  suspectSeq: number;
}

export type Health = "ok" | "suspect" | "stale";

export interface PeerStatus {
  advert: Advert;
  ageMs: number;
  rttMs?: number;
  health: Health;
  self: boolean;
}

export interface MembershipOptions {
  nc: NatsConnection;
  /** This node's advert, minus the sequence number: called for every advert sent. */
  describeSelf: () => Omit<Advert, "seq">;
  log: (line: string) => void;
}

/**
 * Who is in the network and how loaded they are. Adverts are soft state: a reader forgets a
 * node ADVERT_TTL_MS after its last advert (nats-server 2.9 has no per-key TTL and sends no
 * event when a KV entry expires, so expiry has to be local). The JetStream KV registry is the
 * durable copy a starting node reads to learn the network before the first adverts arrive.
 */
export class Membership {
  readonly #options: MembershipOptions;
  readonly #selfId: string;
  readonly #peers = new Map<string, Peer>();
  readonly #reservations = new Reservations();
  readonly #timers: NodeJS.Timeout[] = [];
  #subscriptions: Subscription[] = [];
  #seq = 0;
  #lastAdvertAt = 0;
  #pendingAdvert: NodeJS.Timeout | undefined;
  #registry: KV | undefined;
  #registryWarned = false;
  #closed = false;

  constructor(options: MembershipOptions) {
    this.#options = options;
    this.#selfId = options.describeSelf().node;
  }

  /** This node's id, fixed for the process: read once, not by building an advert per message. */
  get selfId(): string {
    return this.#selfId;
  }

  async start(): Promise<void> {
    const { nc } = this.#options;
    this.#subscriptions.push(nc.subscribe(SUBJECTS.adverts, { callback: (_err, msg) => this.#onAdvert(msg.subject, msg.data) }));
    this.#subscriptions.push(nc.subscribe(SUBJECTS.ping(this.selfId), { callback: (_err, msg) => msg.respond() }));
    await nc.flush();
    this.publish();
    this.#timers.push(setInterval(() => this.publish(), ADVERT_INTERVAL_MS));
    this.#timers.push(setInterval(() => void this.#probe(), PING_INTERVAL_MS));
    this.#timers.push(setInterval(() => void this.#register(), REGISTRY_INTERVAL_MS));
    for (const timer of this.#timers) timer.unref();
    void this.#probe();
  }

  /** Uses the durable registry once JetStream is reachable: learn the nodes in it, then keep this node's entry fresh. */
  async attachRegistry(registry: KV): Promise<void> {
    this.#registry = registry;
    await this.#bootstrap(registry);
    await this.#register();
  }

  /** Advertise soon: load changed. Bursts coalesce into one advert per ADVERT_MIN_GAP_MS. */
  changed(): void {
    if (this.#pendingAdvert || this.#closed) return;
    const wait = Math.max(0, this.#lastAdvertAt + ADVERT_MIN_GAP_MS - Date.now());
    this.#pendingAdvert = setTimeout(() => {
      this.#pendingAdvert = undefined;
      this.publish();
    }, wait);
  }

  publish(): void {
    if (this.#closed) return;
    const advert = this.#advert();
    this.#lastAdvertAt = Date.now();
    this.#options.nc.publish(SUBJECTS.advert(advert.city, advert.node), encode(advert));
  }

  /** Nodes with a fresh advert (self included) as placement sees them. */
  views(): NodeView[] {
    const now = Date.now();
    const views: NodeView[] = [{ ...this.#options.describeSelf(), seq: this.#seq, self: true }];
    for (const peer of this.#peers.values()) {
      if (now - peer.receivedAt > ADVERT_TTL_MS) continue;
      views.push({ ...peer.advert, models: this.#reservations.apply(peer.advert), rttMs: peer.rttMs, self: false, suspect: peer.suspectUntil > now });
    }
    return views;
  }

  /** Every node heard of, with its health, for the operations view. */
  status(): PeerStatus[] {
    const now = Date.now();
    const self: PeerStatus = { advert: { ...this.#options.describeSelf(), seq: this.#seq }, ageMs: 0, health: "ok", self: true };
    return [
      self,
      ...[...this.#peers.values()].map((peer) => ({
        advert: peer.advert,
        ageMs: now - peer.receivedAt,
        rttMs: peer.rttMs,
        health: (now - peer.receivedAt > ADVERT_TTL_MS ? "stale" : peer.suspectUntil > now ? "suspect" : "ok") as Health,
        self: false,
      })),
    ];
  }

  /** Counts a request sent to `node` (`rttMs` away) against its slots until its adverts can show it (reservations.ts). */
  reserve(node: string, model: string, rttMs: number): Reservation {
    return this.#reservations.reserve(node, model, performance.now(), rttMs);
  }

  /** The node did not take the request, or no longer holds it. */
  release(reservation: Reservation): void {
    this.#reservations.release(reservation);
  }

  /** Leaves a node out of placement after it failed to accept or went silent. */
  suspect(node: string): void {
    const peer = this.#peers.get(node);
    if (!peer) return;
    peer.suspectUntil = Date.now() + SUSPECT_MS;
    peer.suspectSeq = peer.advert.seq;
    this.#options.log(`network: node ${node} (${peer.advert.city}) did not respond; routing around it`);
  }

  /** Measured round trip to a node, ms (minimum of recent pings). */
  rttMs(node: string): number | undefined {
    return this.#peers.get(node)?.rttMs;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    clearTimeout(this.#pendingAdvert);
    const self = this.#options.describeSelf();
    // An empty advert says "gone": readers drop the node at once instead of after the TTL.
    this.#options.nc.publish(SUBJECTS.advert(self.city, self.node));
    for (const sub of this.#subscriptions) sub.unsubscribe();
    await this.#registry?.delete(registryKey(self)).catch(() => undefined);
  }

  #advert(): Advert {
    this.#seq += 1;
    return { ...this.#options.describeSelf(), seq: this.#seq };
  }

  #onAdvert(subject: string, data: Uint8Array): void {
    if (data.length === 0) {
      const node = subject.split(".")[3];
      if (node) this.#reservations.forget(node);
      if (node && this.#peers.delete(node)) this.#options.log(`network: node ${node} left`);
      return;
    }
    let advert: Advert;
    try {
      advert = decode<Advert>(data);
    } catch {
      return;
    }
    if (advert.node === this.selfId) return;
    this.#accept(advert, Date.now());
  }

  #accept(advert: Advert, receivedAt: number): void {
    const peer = this.#peers.get(advert.node);
    if (!peer) {
      const joined: Peer = { advert, receivedAt, rttSamples: [], suspectUntil: 0, suspectSeq: 0 };
      this.#peers.set(advert.node, joined);
      this.#options.log(`network: node ${advert.node} joined (city ${advert.city}, region ${advert.region})`);
      void this.#measure(joined);
      return;
    }
    const restarted = advert.startedAt !== peer.advert.startedAt;
    if (!restarted && advert.seq <= peer.advert.seq) return;
    if (restarted || advert.seq > peer.suspectSeq) peer.suspectUntil = 0;
    peer.advert = advert;
    peer.receivedAt = receivedAt;
    if (restarted) this.#reservations.forget(advert.node);
    else this.#reservations.advert(advert.node, performance.now());
  }

  /** Reads the registry; a registered node that answers a ping counts as fresh at once. */
  async #bootstrap(registry: KV): Promise<void> {
    try {
      const keys = await registry.keys();
      const entries: Advert[] = [];
      for await (const key of keys) {
        const entry = await registry.get(key);
        if (entry && entry.operation === "PUT" && entry.value.length > 0) entries.push(decode<Advert>(entry.value));
      }
      await Promise.all(
        entries
          .filter((advert) => advert.node !== this.selfId)
          .map(async (advert) => {
            if ((await this.#ping(advert.node)) !== undefined) this.#accept(advert, Date.now());
          }),
      );
    } catch (error) {
      this.#warnRegistry(error);
    }
  }

  async #register(): Promise<void> {
    if (!this.#registry || this.#closed) return;
    const advert = this.#advert();
    // Writes pause while JetStream elects a new stream leader: soft, the next period retries.
    await this.#registry.put(registryKey(advert), encode(advert)).catch((error: unknown) => this.#warnRegistry(error));
  }

  async #probe(): Promise<void> {
    const now = Date.now();
    await Promise.all(
      [...this.#peers.entries()].map(async ([node, peer]) => {
        if (now - peer.receivedAt > ADVERT_TTL_MS * 10) {
          this.#peers.delete(node);
          this.#reservations.forget(node);
        }
        else await this.#measure(peer);
      }),
    );
  }

  async #measure(peer: Peer): Promise<void> {
    const rttMs = await this.#ping(peer.advert.node);
    if (rttMs === undefined) return;
    // The minimum of recent samples, as TCP and BBR track min RTT: it measures the path,
    // while a busy event loop on either side only ever adds to a sample.
    peer.rttSamples = [...peer.rttSamples.slice(-(RTT_SAMPLES - 1)), rttMs];
    // One or two samples taken while nodes start (loading models, all at once) can be far off:
    // until there are a few, distance alone ranks the node.
    if (peer.rttSamples.length >= RTT_MIN_SAMPLES) peer.rttMs = Math.min(...peer.rttSamples);
  }

  async #ping(node: string): Promise<number | undefined> {
    const started = performance.now();
    try {
      await this.#options.nc.request(SUBJECTS.ping(node), undefined, { timeout: PING_TIMEOUT_MS });
      return performance.now() - started;
    } catch {
      return undefined;
    }
  }

  #warnRegistry(error: unknown): void {
    if (this.#registryWarned) return;
    this.#registryWarned = true;
    this.#options.log(`network: node registry (JetStream KV ${NODES_BUCKET}) unavailable, adverts only: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function registryKey(advert: { city: string; node: string }): string {
  return `${advert.city}.${advert.node}`;
}
