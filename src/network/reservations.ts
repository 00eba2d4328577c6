import { ADVERT_INTERVAL_MS } from "./constants.js";
import type { ModelLoad } from "./types.js";

/** One request this router sent to a node, counted against that node's slots until its adverts can show it. */
export interface Reservation {
  readonly node: string;
  readonly model: string;
  /** When it was sent and the estimated round trip to the node, in ms of the router's clock. */
  readonly sentAt: number;
  readonly rttMs: number;
}

/**
 * A router's own requests in flight, laid over the adverts it placed them by. Without them a
 * burst of requests sees the same free slot in one stale advert and all go there. A
 * reservation ends when the node refused the request or the call failed (release), or when an
 * advert arrives that left the node after the request reached it: one received a round trip
 * or more after the send. Ending it on the node's accept instead would count the request
 * twice while the accept waits to travel with the first token (ACCEPT_FOLD_MS); ending it on
 * any newer advert would forget requests that crossed an advert on the way.
 *
 * The clock is passed in (`now` arguments), so the 100-city simulation in bench/network drives
 * this same code on its simulated time.
 */
export class Reservations {
  readonly #byNode = new Map<string, Reservation[]>();

  reserve(node: string, model: string, sentAt: number, rttMs: number): Reservation {
    // No live node is a second away; an unmeasured one without coordinates (rttMs unknown,
    // very large) must not stay reserved for ever.
    const reservation: Reservation = { node, model, sentAt, rttMs: Math.min(rttMs, ADVERT_INTERVAL_MS) };
    const list = this.#byNode.get(node);
    if (list) list.push(reservation);
    else this.#byNode.set(node, [reservation]);
    return reservation;
  }

  /** The node does not hold the request (refused, failed, unreachable): its slot is not taken by it. */
  release(reservation: Reservation): void {
    const list = this.#byNode.get(reservation.node);
    const index = list?.indexOf(reservation) ?? -1;
    if (index < 0) return;
    list!.splice(index, 1);
    if (list!.length === 0) this.#byNode.delete(reservation.node);
  }

  /** An advert from `node` arrived at `receivedAt`: it shows every request that reached the node before it left. */
  advert(node: string, receivedAt: number): void {
    const list = this.#byNode.get(node);
    if (!list) return;
    const left = list.filter((r) => r.sentAt + r.rttMs > receivedAt);
    if (left.length === 0) this.#byNode.delete(node);
    else this.#byNode.set(node, left);
  }

  /** The node left or restarted: what it held is gone with it. */
  forget(node: string): void {
    this.#byNode.delete(node);
  }

  /**
   * A node's advertised load with this router's reservations on it added: active up to its
   * slots, the rest as queued, as the node itself would count them.
   */
  apply(node: { node: string; models: Record<string, ModelLoad>; slots: number; maxQueue: number }): Record<string, ModelLoad> {
    const list = this.#byNode.get(node.node);
    if (!list) return node.models;
    const models = { ...node.models };
    for (const { model } of list) {
      const load = models[model] ?? { loaded: false, slots: node.slots, active: 0, queued: 0, maxQueue: node.maxQueue };
      models[model] = load.active < load.slots ? { ...load, active: load.active + 1 } : { ...load, queued: load.queued + 1 };
    }
    return models;
  }
}
