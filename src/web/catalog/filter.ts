import type { LocalModel, SearchItem } from "../api.js";

/** A catalog model as the dashboard lists it. */
export interface CatalogModel {
  name: string;
  description: string;
  task: string;
  properties: Record<string, unknown>;
}

export interface CatalogFilter {
  search: string;
  /** A task name ("Text Generation"), or "" for all. */
  task: string;
  localOnly: boolean;
}

export function fromSearchItem(item: SearchItem): CatalogModel {
  return { name: item.name, description: item.description, task: item.task.name, properties: Object.fromEntries(item.properties.map((p) => [p.property_id, p.value])) };
}

/** Task names, sorted, each once. */
export function tasksOf(models: readonly CatalogModel[]): string[] {
  return [...new Set(models.map((m) => m.task))].sort();
}

/**
 * Models matching every word of the search (in the name, description or task, any case), the
 * task, and, with `localOnly`, whose weights are on the server.
 */
export function filterModels(models: readonly CatalogModel[], filter: CatalogFilter, local: ReadonlyMap<string, LocalModel> | undefined): CatalogModel[] {
  const words = filter.search.toLowerCase().split(/\s+/).filter(Boolean);
  return models.filter((m) => {
    if (filter.task && m.task !== filter.task) return false;
    if (filter.localOnly && !local?.has(m.name)) return false;
    const text = `${m.name} ${m.description} ${m.task}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** A property as a short label and value ("Context window", "512"); links stay URLs. */
export function describeProperty(id: string, value: unknown): { label: string; value: string } {
  const label = id.replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase());
  if (typeof value === "boolean") return { label, value: value ? "yes" : "no" };
  if (typeof value === "number") return { label, value: value.toLocaleString("en-US") };
  if (typeof value === "string") return { label, value };
  return { label, value: JSON.stringify(value) };
}
