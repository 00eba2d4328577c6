/**
 * NATS subjects. Requests are directed to one node chosen by placement (no queue groups: inside
 * a cluster nats-server picks queue members at random, and placement must be a pure function
 * the simulation can drive). Model ids never appear in subjects, so they need no escaping.
 */
export const SUBJECTS = {
  /** Capacity adverts, `outpost.adv.<city>.<node>`. */
  advert: (city: string, node: string) => `outpost.adv.${city}.${node}`,
  adverts: "outpost.adv.>",
  /** Directed run requests to one node; the router picks the node, so no queue group is involved. */
  run: (node: string) => `outpost.node.${node}.run`,
  /** Credit-independent control of running requests: cancel. */
  control: (node: string) => `outpost.node.${node}.ctl`,
  ping: (node: string) => `outpost.node.${node}.ping`,
  /** A model file was published to the object store: nodes refresh what they can load. */
  published: "outpost.models.published",
} as const;

/** Node, city and region names: one subject token each. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
