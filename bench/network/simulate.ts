import { SETTINGS } from "../../src/config/index.js";
import { ADVERT_TTL_MS, IDLE_TIMEOUT_MS, KM_PER_RTT_MS, MAX_ATTEMPTS, SUSPECT_MS } from "../../src/network/constants.js";
import { costMs, distanceKm, plan, placementError, Reservations, type NodeView, type PlacementQuery, type Reservation, type Tier } from "../../src/network/index.js";
import { Heap, percentile } from "./heap.js";
import { makeCities, oneWayMs, random, type SimCity } from "./world.js";

/**
 * The 100-city simulation: simulated nodes and clocks, the real router code (plan,
 * placementError, Reservations, the same constants). Every request is placed by the router of
 * its city from adverts as they would have reached it (each node's state one one-way latency
 * plus the advert coalescing gap ago) with the router's own requests in flight reserved on
 * them, retried on refusal, silence or death as NetworkBackend does, and ends served or with
 * an error. One region goes dark (every node frozen) half-way through.
 */
export interface SimOptions {
  cities: number;
  slots: number;
  maxQueue: number;
  /** Offered load as a share of the world's slots. */
  load: number;
  durationS: number;
  /** Service time: mean seconds; time to first token, ms. */
  serviceMeanS: number;
  ttftMs: number;
  demand: "zipf" | "uneven";
  darkRegion: string;
  darkFromS: number;
  darkForS: number;
  seed: number;
  /**
   * `adverts`: each city's node routes as NetworkBackend does. `omniscient`: a bound, no real
   * router: each sees every node's state now and every request in flight that reaches a node
   * before its own would, so the plain oracle's misses left are the ones no router can avoid.
   */
  router: "adverts" | "omniscient";
}

export const DEFAULT_SIM: SimOptions = { cities: 100, slots: 4, maxQueue: 4, load: 0.6, durationS: 90, serviceMeanS: 2, ttftMs: 150, demand: "uneven", darkRegion: "as", darkFromS: 40, darkForS: 20, seed: 7, router: "adverts" };

const MODEL = "@cf/sim/model";
/** Nodes run with the default accept deadline. */
const ACCEPT_TIMEOUT_MS = SETTINGS.acceptTimeoutMs.default();
/**
 * A node adverts a change on the next tick, or ADVERT_MIN_GAP_MS after its previous advert
 * when changes come faster; with a few changes a second per node, about a millisecond.
 */
const ADVERT_LAG_MS = 1;

interface SimNode {
  id: string;
  city: SimCity;
  active: Set<SimRequest>;
  queue: SimRequest[];
  dark: boolean;
  startedAt: number;
  /** State changes: time, active, queued (for the view a remote router has of it). */
  times: number[];
  states: [number, number][];
  darkAt: number;
}

interface SimRequest {
  id: number;
  router: SimNode;
  arrivedAt: number;
  tried: Set<string>;
  attempts: number;
  /** Held on the node of the current attempt while the request is on its way there. */
  reservation?: Reservation;
  acceptedAt?: number;
  servedBy?: SimNode;
  firstTokenAt?: number;
  /** Node epoch the service belongs to: a node that went dark drops its services. */
  epoch?: number;
  ideal?: SimCity;
  /** Nearest city with a slot that is free now and that the router's adverts show free. */
  known?: SimCity;
  /** Whether the router's adverts showed a free slot in `ideal`: at all, and once its own requests in flight are counted. */
  idealAdvertised?: boolean;
  idealSeenFree?: boolean;
  /** City of the first node the request was sent to. */
  firstCity?: string;
  outcome?: "served" | "capacity" | "residency" | "lost-mid-stream";
  failovers: number;
}

export function simulate(options: SimOptions = DEFAULT_SIM) {
  const rand = random(options.seed);
  const cities = makeCities(options.cities, rand, options.demand);
  const nodes: SimNode[] = [];
  const byCity = new Map<string, SimNode[]>();
  for (const city of cities) {
    const count = 1 + Math.floor(rand() * 3);
    const list: SimNode[] = [];
    for (let i = 0; i < count; i += 1) {
      const node: SimNode = { id: `${city.city}-${i}`, city, active: new Set(), queue: [], dark: false, startedAt: -1, times: [-1e9], states: [[0, 0]], darkAt: Infinity };
      nodes.push(node);
      list.push(node);
    }
    byCity.set(city.city, list);
  }
  const nodeById = new Map(nodes.map((n) => [n.id, n]));
  const cityIndex = new Map(cities.map((c, i) => [c.city, i]));
  const latency = cities.map((a) => cities.map((b) => oneWayMs(a, b)));
  const oneWay = (a: SimCity, b: SimCity) => latency[cityIndex.get(a.city)!]![cityIndex.get(b.city)!]!;
  const heap = new Heap();
  /** Per router: nodes it left out after silence, until when. */
  const suspects = new Map<SimNode, Map<SimNode, number>>();
  const suspect = (router: SimNode, node: SimNode, until: number) => {
    const map = suspects.get(router) ?? new Map<SimNode, number>();
    map.set(node, until);
    suspects.set(router, map);
  };
  /** Per router: its requests in flight, as Membership keeps them. */
  const reservations = new Map(nodes.map((n) => [n, new Reservations()]));
  const release = (request: SimRequest) => {
    if (request.reservation) reservations.get(request.router)!.release(request.reservation);
    request.reservation = undefined;
  };
  /** Per node: when each request on its way there arrives (for the omniscient router). */
  const inFlight = new Map<SimNode, number[]>();
  const omniscient = options.router === "omniscient";
  const requests: SimRequest[] = [];
  let epoch = 0;
  const nodeEpoch = new Map<SimNode, number>();

  const record = (node: SimNode, t: number) => {
    node.times.push(t);
    node.states.push([node.active.size, node.queue.length]);
  };
  const stateAt = (node: SimNode, t: number): [number, number] => {
    let lo = 0;
    let hi = node.times.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (node.times[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return node.states[lo]!;
  };

  const views = (router: SimNode, t: number): NodeView[] =>
    nodes.flatMap((node): NodeView[] => {
      const self = node === router;
      const delay = oneWay(router.city, node.city);
      if (omniscient) {
        if (node.dark) return [];
        const ahead = (inFlight.get(node) ?? []).filter((at) => at <= t + (self ? 0 : delay)).length;
        const active = node.active.size + ahead;
        const models = { [MODEL]: { loaded: true, slots: options.slots, active: Math.min(options.slots, active), queued: node.queue.length + Math.max(0, active - options.slots), maxQueue: options.maxQueue } };
        return [{ ...viewOf(node, self, delay), models }];
      }
      const seenAt = self ? t : t - delay - ADVERT_LAG_MS;
      if (!self && node.darkAt <= seenAt && t - (node.darkAt + delay) > ADVERT_TTL_MS) return [];
      if (!self && node.startedAt > seenAt) return [];
      const [active, queued] = self ? [node.active.size, node.queue.length] : stateAt(node, Math.min(seenAt, node.darkAt));
      const models = { [MODEL]: { loaded: true, slots: options.slots, active, queued, maxQueue: options.maxQueue } };
      const held = reservations.get(router)!;
      // The advert showing the state at seenAt left the node then, and arrived one way later.
      if (!self && node.darkAt > seenAt) held.advert(node.id, seenAt + delay);
      return [{ ...viewOf(node, self, delay), models: self ? models : held.apply({ node: node.id, models, slots: options.slots, maxQueue: options.maxQueue }), suspect: (suspects.get(router)?.get(node) ?? 0) > t }];
    });
  const viewOf = (node: SimNode, self: boolean, delay: number): Omit<NodeView, "models"> => ({
    node: node.id,
    city: node.city.city,
    region: node.city.region,
    lat: node.city.lat,
    lon: node.city.lon,
    seq: 0,
    startedAt: node.startedAt,
    loadable: [MODEL],
    slots: options.slots,
    maxQueue: options.maxQueue,
    speed: { cpus: 1, threads: 1, tokensPerS: {} },
    self,
    rttMs: self ? undefined : 2 * delay,
  });

  const knownBest = (router: SimNode, t: number): SimCity | undefined => {
    let best: { cost: number; city: SimCity } | undefined;
    for (const view of views(router, t)) {
      const node = nodeById.get(view.node)!;
      const advertised = view.models[MODEL]!;
      if (node.dark || node.active.size >= options.slots || advertised.active >= advertised.slots || view.suspect) continue;
      const cost = costMs(router.city, view);
      if (!best || cost < best.cost) best = { cost, city: node.city };
    }
    return best?.city;
  };

  const serviceMs = () => -Math.log(1 - rand()) * options.serviceMeanS * 1000;

  const start = (node: SimNode, request: SimRequest, t: number) => {
    node.active.add(request);
    request.epoch = nodeEpoch.get(node) ?? 0;
    request.firstTokenAt = t + options.ttftMs;
    const myEpoch = request.epoch;
    heap.push(t + Math.max(options.ttftMs + 1, serviceMs()), () => {
      if ((nodeEpoch.get(node) ?? 0) !== myEpoch || !node.active.has(request)) return;
      node.active.delete(request);
      request.outcome = "served";
      const next = node.queue.shift();
      if (next) start(node, next, heapNow);
      record(node, heapNow);
    });
  };

  const fail = (request: SimRequest, outcome: NonNullable<SimRequest["outcome"]>) => {
    request.outcome = outcome;
  };

  const attempt = (request: SimRequest, t: number) => {
    const query: PlacementQuery = { model: MODEL, residency: [], allowQueue: true, origin: { lat: request.router.city.lat, lon: request.router.city.lon } };
    const result = plan(views(request.router, t), query);
    const candidate = request.attempts < MAX_ATTEMPTS ? result.candidates.find((c) => !request.tried.has(c.node)) : undefined;
    if (!candidate) {
      fail(request, placementError(MODEL, result, query).code === "RESIDENCY_UNAVAILABLE" ? "residency" : "capacity");
      return;
    }
    request.tried.add(candidate.node);
    request.firstCity ??= candidate.city;
    request.attempts += 1;
    const node = nodeById.get(candidate.node)!;
    const delay = oneWay(request.router.city, node.city);
    if (node !== request.router) request.reservation = reservations.get(request.router)!.reserve(node.id, MODEL, t, candidate.costMs);
    const arrivals = inFlight.get(node) ?? inFlight.set(node, []).get(node)!;
    arrivals.push(t + delay);
    heap.push(t + delay, () => {
      arrivals.splice(arrivals.indexOf(t + delay), 1);
      arrive(node, request, candidate.tier, t, delay);
    });
  };

  const arrive = (node: SimNode, request: SimRequest, tier: Tier, sentAt: number, oneWay: number) => {
    const t = heapNow;
    if (node.dark) {
      // Frozen: no accept ever comes. The router gives up after the accept timeout.
      heap.push(sentAt + ACCEPT_TIMEOUT_MS + 2 * oneWay, () => {
        release(request);
        suspect(request.router, node, heapNow + SUSPECT_MS);
        attempt(request, heapNow);
      });
      return;
    }
    if (node.active.size < options.slots) {
      request.acceptedAt = t + oneWay;
      request.servedBy = node;
      start(node, request, t);
      record(node, t);
    } else if (tier === "queue" && node.queue.length < options.maxQueue) {
      request.acceptedAt = t + oneWay;
      request.servedBy = node;
      node.queue.push(request);
      record(node, t);
    } else {
      heap.push(t + oneWay, () => {
        release(request);
        attempt(request, heapNow);
      });
    }
  };

  const goDark = (node: SimNode, t: number) => {
    node.dark = true;
    node.darkAt = t;
    nodeEpoch.set(node, ++epoch);
    for (const request of [...node.active, ...node.queue]) {
      const beforeFirstToken = request.firstTokenAt === undefined || request.firstTokenAt > t || node.queue.includes(request);
      heap.push(t + IDLE_TIMEOUT_MS, () => {
        if (!beforeFirstToken) return fail(request, "lost-mid-stream");
        release(request);
        suspect(request.router, node, heapNow + SUSPECT_MS);
        request.failovers += 1;
        request.acceptedAt = undefined;
        request.servedBy = undefined;
        request.firstTokenAt = undefined;
        attempt(request, heapNow);
      });
    }
    node.active.clear();
    node.queue = [];
  };

  const comeBack = (node: SimNode, t: number) => {
    node.dark = false;
    node.darkAt = Infinity;
    node.startedAt = t;
    record(node, t);
    for (const map of suspects.values()) map.delete(node);
    for (const held of reservations.values()) held.forget(node.id);
  };

  // Poisson arrivals per city: `uneven` demand scales with the city's own slots.
  for (const city of cities) if (options.demand === "uneven") city.weight *= byCity.get(city.city)!.length;
  const totalWeight = cities.reduce((sum, c) => sum + c.weight, 0);
  for (const city of cities) city.weight /= totalWeight;
  const capacityPerS = (nodes.length * options.slots) / options.serviceMeanS;
  const ratePerMs = (capacityPerS * options.load) / 1000;
  let heapNow = 0;
  let nextId = 0;
  for (let t = -Math.log(1 - rand()) / ratePerMs; t < options.durationS * 1000; t += -Math.log(1 - rand()) / ratePerMs) {
    let pick = rand();
    let city = cities[0]!;
    for (const c of cities) {
      pick -= c.weight;
      if (pick <= 0) {
        city = c;
        break;
      }
    }
    const arrival = t;
    heap.push(arrival, () => {
      const router = byCity.get(city.city)![0]!;
      if (router.dark) return; // The region is dark: its clients cannot reach it either.
      const request: SimRequest = { id: nextId++, router, arrivedAt: heapNow, tried: new Set(), attempts: 0, failovers: 0 };
      requests.push(request);
      // Ground truth for "nearest with capacity": the cheapest live node with a free slot now.
      let best: { cost: number; city: SimCity } | undefined;
      for (const node of nodes) {
        if (node.dark || node.active.size >= options.slots) continue;
        const cost = node === router ? 0 : Math.max((distanceKm(router.city, node.city) / KM_PER_RTT_MS), 2 * oneWay(router.city, node.city));
        if (!best || cost < best.cost) best = { cost, city: node.city };
      }
      request.ideal = best?.city;
      request.known = knownBest(router, heapNow);
      if (request.ideal) {
        const ideal = byCity.get(request.ideal.city)!;
        request.idealAdvertised = ideal.some((node) => {
          if (node === router) return node.active.size < options.slots;
          const seenAt = heapNow - oneWay(router.city, node.city) - ADVERT_LAG_MS;
          return node.startedAt <= seenAt && stateAt(node, Math.min(seenAt, node.darkAt))[0] < options.slots;
        });
        request.idealSeenFree = views(router, heapNow).some((v) => v.city === request.ideal!.city && !v.suspect && v.models[MODEL]!.active < options.slots);
      }
      attempt(request, heapNow);
    });
  }
  const darkStart = options.darkFromS * 1000;
  heap.push(darkStart, () => nodes.filter((n) => n.city.region === options.darkRegion).forEach((n) => goDark(n, heapNow)));
  heap.push(darkStart + options.darkForS * 1000, () => nodes.filter((n) => n.city.region === options.darkRegion).forEach((n) => comeBack(n, heapNow)));

  for (let event = heap.pop(); event; event = heap.pop()) {
    heapNow = event.t;
    event.fn();
  }

  const served = requests.filter((r) => r.outcome === "served");
  const withCapacity = requests.filter((r) => r.ideal !== undefined);
  /** Whether `node` had a free slot throughout [from, to) (its own history, so before any request decided by it). */
  const freeThroughout = (node: SimNode, from: number, to: number): boolean => {
    if (node.darkAt < to && !(node.startedAt > node.darkAt && node.startedAt <= from)) return false;
    let index = node.times.findLastIndex((time) => time <= from);
    for (; index < node.times.length && (index < 0 || node.times[index]! < to); index += 1) {
      if (index >= 0 && node.states[index]![0] >= options.slots) return false;
    }
    return true;
  };
  /**
   * The causal oracle: the nearest node with a slot free from the moment news of it could have
   * reached the router (one-way latency plus the advert lag ago) until the request could have
   * reached it. A slot that freed later cannot be known in time by any router, and one taken
   * earlier cannot be had.
   */
  const causal = (request: SimRequest): SimCity | undefined => {
    let best: { cost: number; city: SimCity } | undefined;
    for (const node of nodes) {
      const self = node === request.router;
      const delay = self ? 0 : oneWay(request.router.city, node.city);
      const t = request.arrivedAt;
      // The request's own arrival at the node is excluded: the window ends just before it.
      if (!freeThroughout(node, t - (self ? 0 : delay + ADVERT_LAG_MS), t + delay - 1e-9)) continue;
      const cost = self ? 0 : Math.max(distanceKm(request.router.city, node.city) / KM_PER_RTT_MS, 2 * delay);
      if (!best || cost < best.cost) best = { cost, city: node.city };
    }
    return best?.city;
  };
  /** Placed on the nearest city: served there, or accepted there and lost when the node died (counted under errors). */
  const placedAt = (r: SimRequest, city: SimCity) => (r.outcome === "served" || r.outcome === "lost-mid-stream") && r.servedBy?.city.city === city.city;
  const withCausal = requests.map((r) => ({ r, city: causal(r) })).filter((x) => x.city !== undefined);
  const nearestCausal = withCausal.filter(({ r, city }) => placedAt(r, city!));
  const misses = withCausal.filter((x) => !nearestCausal.includes(x));
  const missBreakdown = {
    notServed: misses.filter(({ r }) => r.outcome !== "served").length,
    retried: misses.filter(({ r }) => r.outcome === "served" && r.attempts > 1).length,
    firstChoiceFarther: misses.filter(({ r }) => r.outcome === "served" && r.attempts === 1).length,
    duringDark: misses.filter(({ r }) => r.arrivedAt >= options.darkFromS * 1000 && r.arrivedAt < (options.darkFromS + options.darkForS) * 1000 + 5000).length,
    idealIsSelfCity: misses.filter(({ r, city }) => city!.city === r.router.city.city).length,
  };
  const nearest = withCapacity.filter((r) => placedAt(r, r.ideal!));
  /**
   * Why a request missed the plain oracle's city. `unknowable`: no advert showing its free slot
   * could have reached the router yet (the slot freed less than a one-way latency plus the advert
   * lag ago); `ownInFlight`: the router's own earlier request, still on its way there, takes that
   * slot; `collided`: sent there, and another router's request took the slot first; `staleFree`:
   * the router's nearer choice had filled since its advert, and the retry came too late. No
   * router that knows only what adverts carry avoids the first two.
   */
  const plainMisses = { unknowable: 0, ownInFlight: 0, collided: 0, staleFree: 0 };
  for (const r of withCapacity) {
    if (placedAt(r, r.ideal!)) continue;
    if (!r.idealAdvertised) plainMisses.unknowable += 1;
    else if (!r.idealSeenFree) plainMisses.ownInFlight += 1;
    else if (r.firstCity === r.ideal!.city) plainMisses.collided += 1;
    else plainMisses.staleFree += 1;
  }
  const withKnown = requests.filter((r) => r.known !== undefined);
  const nearestKnown = withKnown.filter((r) => placedAt(r, r.known!));
  const added = served.map((r) => r.acceptedAt! - r.arrivedAt);
  const count = (outcome: SimRequest["outcome"]) => requests.filter((r) => r.outcome === outcome).length;
  return {
    cities: cities.length,
    nodes: nodes.length,
    requests: requests.length,
    served: served.length,
    errors: { capacity429: count("capacity"), residency: count("residency"), lostMidStream: count("lost-mid-stream") },
    lostWithoutError: requests.filter((r) => r.outcome === undefined).length,
    failoversBeforeFirstToken: requests.reduce((sum, r) => sum + r.failovers, 0),
    /** Served by the nearest city that had a free slot on arrival (an oracle that sees every node now). */
    nearestWithCapacityShare: withCapacity.length === 0 ? 1 : nearest.length / withCapacity.length,
    plainMisses,
    /** The most of the plain oracle's share a router can reach with what adverts can tell it. */
    plainCeilingShare: withCapacity.length === 0 ? 1 : 1 - (plainMisses.unknowable + plainMisses.ownInFlight) / withCapacity.length,
    /** Placed on the nearest city with capacity, by the causal oracle (see causal()). */
    nearestCausalCapacityShare: withCausal.length === 0 ? 1 : nearestCausal.length / withCausal.length,
    /** Served by the nearest city whose free slot the router could know of (free now and advertised free). */
    nearestKnownCapacityShare: withKnown.length === 0 ? 1 : nearestKnown.length / withKnown.length,
    addedLatencyMs: { p50: percentile(added, 50), p99: percentile(added, 99) },
    darkRegion: options.darkRegion,
    missBreakdown,
    demand: options.demand,
    load: options.load,
  };
}
