import type { NetworkView } from "../api.js";

type Node = NetworkView["nodes"][number];

/** A node's load over all its models: sequences running, slots, requests waiting. */
export function nodeLoad(node: Pick<Node, "models">): { active: number; slots: number; queued: number } {
  const total = { active: 0, slots: 0, queued: 0 };
  for (const load of Object.values(node.models)) {
    total.active += load.active ?? 0;
    total.slots += load.slots ?? 0;
    total.queued += load.queued ?? 0;
  }
  return total;
}
