import { OutpostError } from "./errors.js";
import type { Residency } from "./run.js";

const NAME = /^[a-z0-9][a-z0-9-]*$/;

/**
 * Parses a residency list such as `region:eu,city:lis`, the syntax of the `x-outpost-residency`
 * header and of each account in OUTPOST_RESIDENCY_POLICY. Names are lower-case `[a-z0-9-]`,
 * the same alphabet as the NATS subjects they end up in.
 */
export function parseResidency(spec: string): Residency {
  const residency: Residency = { regions: [], cities: [] };
  for (const raw of spec.split(",")) {
    const item = raw.trim().toLowerCase();
    if (item === "") continue;
    const [kind, name = ""] = item.split(":", 2);
    if (!NAME.test(name) || (kind !== "region" && kind !== "city")) {
      throw new OutpostError("INPUT_INVALID", `Invalid residency '${raw.trim()}': expected region:<name> or city:<name>, comma-separated`);
    }
    (kind === "region" ? residency.regions : residency.cities).push(name);
  }
  return residency;
}

export function isRestricted(residency: Residency | undefined): residency is Residency {
  return residency !== undefined && residency.regions.length + residency.cities.length > 0;
}

/** Whether a node in `city` of `region` may serve under `residency`. */
export function allows(residency: Residency | undefined, city: string, region: string): boolean {
  return !isRestricted(residency) || residency.regions.includes(region) || residency.cities.includes(city);
}

export function formatResidency(residency: Residency): string {
  return [...residency.regions.map((r) => `region:${r}`), ...residency.cities.map((c) => `city:${c}`)].join(",");
}
