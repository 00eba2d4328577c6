import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Reservations } from "./reservations.js";

const MODEL = "@cf/meta/llama-3.1-8b-instruct";
const node = (active: number, queued = 0) => ({ node: "mad-1", models: { [MODEL]: { loaded: true, slots: 2, active, queued, maxQueue: 2 } }, slots: 2, maxQueue: 2 });

describe("reservations", () => {
  it("counts requests in flight as active up to the slots, then as queued", () => {
    const held = new Reservations();
    held.reserve("mad-1", MODEL, 0, 10);
    assert.deepEqual(held.apply(node(0))[MODEL], { loaded: true, slots: 2, active: 1, queued: 0, maxQueue: 2 });
    held.reserve("mad-1", MODEL, 1, 10);
    held.reserve("mad-1", MODEL, 2, 10);
    assert.deepEqual(held.apply(node(1))[MODEL], { loaded: true, slots: 2, active: 2, queued: 2, maxQueue: 2 });
    assert.deepEqual(held.apply({ ...node(0), node: "par-1" })[MODEL]?.active, 0);
  });

  it("a model the node has not advertised counts against its default slots", () => {
    const held = new Reservations();
    held.reserve("mad-1", "@cf/other", 0, 10);
    assert.deepEqual(held.apply(node(0))["@cf/other"], { loaded: false, slots: 2, active: 1, queued: 0, maxQueue: 2 });
  });

  it("keeps a reservation through adverts that crossed the request, and drops it at the first that left after it arrived", () => {
    const held = new Reservations();
    held.reserve("mad-1", MODEL, 100, 10);
    held.advert("mad-1", 109.9);
    assert.equal(held.apply(node(0))[MODEL]?.active, 1);
    held.advert("par-1", 200);
    assert.equal(held.apply(node(0))[MODEL]?.active, 1);
    held.advert("mad-1", 110);
    assert.equal(held.apply(node(0))[MODEL]?.active, 0);
  });

  it("drops a refused request at once, each reservation on its own, and everything of a node that left", () => {
    const held = new Reservations();
    const refused = held.reserve("mad-1", MODEL, 0, 10);
    held.reserve("mad-1", MODEL, 0, 10);
    held.release(refused);
    held.release(refused);
    assert.equal(held.apply(node(0))[MODEL]?.active, 1);
    held.forget("mad-1");
    assert.equal(held.apply(node(0))[MODEL]?.active, 0);
  });

  it("holds a node of unknown distance at most an advert interval", () => {
    const held = new Reservations();
    held.reserve("mad-1", MODEL, 0, 1e6);
    held.advert("mad-1", 999);
    assert.equal(held.apply(node(0))[MODEL]?.active, 1);
    held.advert("mad-1", 1000);
    assert.equal(held.apply(node(0))[MODEL]?.active, 0);
  });
});
