import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseResidency } from "../contract/index.js";
import { costMs, distanceKm, plan, placementError, type NodeView, type PlacementQuery } from "./placement.js";

const MODEL = "@cf/meta/llama-3.1-8b-instruct";
const LIS = { lat: 38.72, lon: -9.14 };

function node(name: string, city: string, region: string, at: { lat: number; lon: number }, load: { loaded?: boolean; active?: number; queued?: number; loadable?: boolean } = {}): NodeView {
  return {
    node: name,
    city,
    region,
    ...at,
    seq: 1,
    startedAt: 0,
    models: load.loaded === undefined ? {} : { [MODEL]: { loaded: load.loaded, slots: 2, active: load.active ?? 0, queued: load.queued ?? 0, maxQueue: 2 } },
    loadable: load.loadable ? [MODEL] : [],
    slots: 2,
    maxQueue: 2,
    speed: { cpus: 2, threads: 1, tokensPerS: {} },
    self: false,
  };
}

const query = (extra: Partial<PlacementQuery> = {}): PlacementQuery => ({ model: MODEL, residency: [], allowQueue: true, origin: LIS, ...extra });
const names = (nodes: NodeView[], q = query()) => plan(nodes, q).candidates.map((c) => `${c.node}:${c.tier}`);

const mad = { lat: 40.42, lon: -3.7 };
const par = { lat: 48.86, lon: 2.35 };
const nyc = { lat: 40.71, lon: -74.0 };

describe("placement", () => {
  it("estimates round trips from distance: Lisbon-Madrid about 5 ms, Lisbon-New York about 54 ms", () => {
    assert.ok(Math.abs(distanceKm(LIS, mad) - 503) < 10);
    assert.ok(Math.abs(costMs(LIS, node("n", "nyc", "us", nyc)) - 54) < 2);
    assert.equal(costMs(LIS, { ...node("n", "lis", "eu", LIS), self: true }), 0);
  });

  it("a measured round trip worse than the distance wins", () => {
    assert.equal(costMs(LIS, { ...node("m", "mad", "eu", mad), rttMs: 30 }), 30);
  });

  it("picks the nearest city with the model loaded and a free slot, then the next nearest", () => {
    const nodes = [node("nyc-1", "nyc", "us", nyc, { loaded: true }), node("par-1", "par", "eu", par, { loaded: true }), node("mad-1", "mad", "eu", mad, { loaded: true })];
    assert.deepEqual(names(nodes), ["mad-1:free", "par-1:free", "nyc-1:free"]);
  });

  it("spills over when the nearest is full, to loadable nodes after loaded ones, then to queues", () => {
    const nodes = [
      node("mad-1", "mad", "eu", mad, { loaded: true, active: 2 }),
      node("par-1", "par", "eu", par, { loadable: true }),
      node("nyc-1", "nyc", "us", nyc, { loaded: true, active: 1 }),
      node("lis-1", "lis", "eu", LIS, { loaded: true, active: 2, queued: 2 }),
    ];
    assert.deepEqual(names(nodes), ["nyc-1:free", "par-1:load", "mad-1:queue", "lis-1:busy"]);
    assert.deepEqual(names(nodes, query({ allowQueue: false })), ["nyc-1:free", "par-1:load", "lis-1:busy", "mad-1:busy"]);
  });

  it("prefers this node at distance zero and leaves suspects out", () => {
    const self = { ...node("lis-1", "lis", "eu", LIS, { loaded: true }), self: true };
    assert.deepEqual(names([node("lis-2", "lis", "eu", LIS, { loaded: true }), self]), ["lis-1:free", "lis-2:free"]);
    assert.deepEqual(names([{ ...node("mad-1", "mad", "eu", mad, { loaded: true }), suspect: true }, node("par-1", "par", "eu", par, { loaded: true })]), ["par-1:free"]);
  });

  it("never offers a node outside the residency, and explains why nothing is left", () => {
    const nodes = [node("mad-1", "mad", "eu", mad, { loaded: true, active: 2, queued: 2 }), node("nyc-1", "nyc", "us", nyc, { loaded: true })];
    const eu = query({ residency: [parseResidency("region:eu")] });
    const result = plan(nodes, eu);
    assert.deepEqual(result.candidates.map((c) => `${c.node}:${c.tier}`), ["mad-1:busy"]);
    const error = placementError(MODEL, result, eu);
    assert.equal(error.code, "RESIDENCY_UNAVAILABLE");
    assert.match(error.message, /region:eu/);
    assert.deepEqual(names(nodes, query({ residency: [parseResidency("region:eu,city:nyc")] })), ["nyc-1:free", "mad-1:busy"]);
    assert.deepEqual(names(nodes, query({ residency: [parseResidency("region:us"), parseResidency("region:eu")] })), []);
    assert.equal(placementError(MODEL, plan(nodes, query({ residency: [parseResidency("city:par")] })), eu).code, "RESIDENCY_UNAVAILABLE");
  });

  it("is out of capacity (429) when every capable node is full, and not found when none is capable", () => {
    const full = [node("mad-1", "mad", "eu", mad, { loaded: true, active: 2, queued: 2 })];
    assert.equal(placementError(MODEL, plan(full, query()), query()).code, "QUEUE_FULL");
    assert.equal(placementError(MODEL, plan(full, query()), query()).retryAfterS, 1);
    assert.equal(placementError(MODEL, plan([node("x", "x", "eu", mad)], query()), query()).code, "MODEL_NOT_LOCAL");
  });
});
