import { createHash } from "node:crypto";
import { OutpostError, type ModelDescriptor, type ModelSearchItem, type ModelSearchParams } from "../contract/index.js";
import { TASK_INFO, findTask } from "../tasks/index.js";
import { MODELS } from "./models.js";
import type { CatalogEntry } from "./types.js";

export type { Artifact, ArtifactFile, CatalogEntry } from "./types.js";

/**
 * Items per models/search page when the caller gives no `per_page`: the whole catalog, so
 * `env.AI.models()` with no parameters never drops models silently. Callers that page
 * (`per_page`, as `wrangler ai models` does with 50) get their pages.
 */
export const MAX_PER_PAGE = 1_000;
export const DEFAULT_PER_PAGE = MAX_PER_PAGE;

/** The search item property that marks an aliased id: its value is the model that serves it (as `x-outpost-model`). */
export const ALIAS_PROPERTY = "outpost_model";

/** A stable UUID per model id (name-based, like UUID v5), since Workers AI search items carry one. */
function modelUuid(id: string): string {
  const hex = createHash("sha1").update(`outpost:${id}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

export function authorOf(id: string): string {
  return id.split("/")[1] ?? "";
}

export class Catalog {
  readonly #entries = new Map<string, CatalogEntry>();
  readonly #engines: ReadonlySet<string>;
  /** Alias id → the id of the entry that serves it (never itself an alias). */
  readonly #aliases = new Map<string, string>();

  /**
   * `engines` are the engine names this build has (engines/registry.ts's ENGINE_NAMES, passed in
   * by the composition root): models of other engines stay listed and fail with ENGINE_UNAVAILABLE.
   */
  constructor(engines: ReadonlySet<string>, entries: readonly CatalogEntry[] = MODELS) {
    this.#engines = engines;
    for (const entry of entries) this.#entries.set(entry.id, entry);
  }

  /** Whether this build has the entry's engine. */
  hasEngine(entry: CatalogEntry): boolean {
    return this.#engines.has(entry.engine);
  }

  /** Whether Outpost can serve the entry here: its engine and task are in this build and it has files to fetch (or is programs). */
  isRunnable(entry: CatalogEntry): boolean {
    return this.hasEngine(entry) && findTask(entry.task) !== undefined && (entry.artifact !== undefined || entry.programs !== undefined);
  }

  /** Adds or replaces an entry (custom models). */
  add(entry: CatalogEntry): void {
    this.#entries.set(entry.id, entry);
  }

  remove(id: string): boolean {
    return this.#entries.delete(id);
  }

  /**
   * Serves `id` with the model `target`: runs, describes and searches of `id` use `target`'s
   * entry (its file, template and limits). `id` may be a catalog id (a real Workers AI id with
   * no CPU artifact) or a new name. Refused when `target` is unknown or an alias itself, or
   * when `id` is a catalog id of another task.
   */
  alias(id: string, target: string): void {
    const served = this.#entries.get(target);
    if (!served || this.#aliases.has(target)) throw new OutpostError("INPUT_INVALID", `Alias ${id}=${target}: ${target} is not a model of the catalog`);
    if (id === target) throw new OutpostError("INPUT_INVALID", `Alias ${id}=${target}: a model cannot alias itself`);
    const own = this.#entries.get(id);
    if (own && own.task !== served.task) throw new OutpostError("INPUT_INVALID", `Alias ${id}=${target}: ${id} is ${own.task}, ${target} is ${served.task}`);
    this.#aliases.set(id, target);
  }

  /** The id of the model that really serves `id`: its alias target, or `id` itself. */
  resolve(id: string): string {
    return this.#aliases.get(id) ?? id;
  }

  /** Alias id → served id. */
  aliases(): ReadonlyMap<string, string> {
    return this.#aliases;
  }

  /** Every id a client may name: catalog and custom ids, then aliases that are not catalog ids. */
  ids(): string[] {
    return [...this.#entries.keys(), ...[...this.#aliases.keys()].filter((id) => !this.#entries.has(id))];
  }

  list(): CatalogEntry[] {
    return [...this.#entries.values()];
  }

  find(id: string): CatalogEntry | undefined {
    return this.#entries.get(id);
  }

  /** The entry, or MODEL_NOT_FOUND worded as Workers AI words it. */
  get(id: string): CatalogEntry {
    const entry = this.#entries.get(id);
    if (!entry) throw new OutpostError("MODEL_NOT_FOUND", `No such model ${id} or task`);
    return entry;
  }

  /** The entry if Outpost can run it here, else ENGINE_UNAVAILABLE naming what is missing. */
  runnable(requested: string): CatalogEntry {
    const id = this.resolve(requested);
    const entry = this.get(id);
    if (!this.hasEngine(entry) || !findTask(entry.task)) {
      throw new OutpostError("ENGINE_UNAVAILABLE", `${id} needs the ${entry.engine} engine for ${entry.task}, which this Outpost build does not include yet`);
    }
    if (!entry.artifact && !entry.programs) throw new OutpostError("ENGINE_UNAVAILABLE", `${id} has no CPU-runnable artifact in the catalog yet`);
    return entry;
  }

  /** What a task sees of `id`; for an alias, of the model that serves it (its `id` is that model's). */
  describe(id: string): ModelDescriptor {
    if (!this.#aliases.has(id)) return toDescriptor(this.get(id));
    return toDescriptor(this.get(this.resolve(id)));
  }

  search(params: ModelSearchParams = {}): ModelSearchItem[] {
    const needle = params.search?.toLowerCase();
    const task = params.task?.toLowerCase();
    const perPage = Math.min(Math.max(1, params.per_page ?? DEFAULT_PER_PAGE), MAX_PER_PAGE);
    const page = Math.max(1, params.page ?? 1);
    const matches = this.#searchable().filter((entry) => {
      const info = TASK_INFO[entry.task];
      if (needle && !`${entry.id} ${entry.description}`.toLowerCase().includes(needle)) return false;
      if (task && task !== entry.task && task !== info.name.toLowerCase() && task !== info.uuid) return false;
      if (params.author && params.author.toLowerCase() !== authorOf(entry.id).toLowerCase()) return false;
      if (params.source !== undefined && params.source !== sourceOf(entry.id)) return false;
      if (params.hide_experimental && entry.properties.beta === true) return false;
      return true;
    });
    return matches.slice((page - 1) * perPage, page * perPage).map((entry) => this.#toSearchItem(entry));
  }

  /** Search matches before paging, for `result_info.total_count`. */
  count(params: ModelSearchParams = {}): number {
    return this.search({ ...params, page: 1, per_page: MAX_PER_PAGE }).length;
  }

  /** Catalog entries, then aliases that are new names, shown as their served model under the alias id. */
  #searchable(): CatalogEntry[] {
    const extra = [...this.#aliases].filter(([id]) => !this.#entries.has(id)).map(([id, target]) => ({ ...this.get(target), id, description: `Alias of ${target}.` }));
    return [...this.list(), ...extra];
  }

  #toSearchItem(entry: CatalogEntry): ModelSearchItem {
    const item = toSearchItem(entry);
    const target = this.#aliases.get(entry.id);
    if (target) item.properties.push({ property_id: ALIAS_PROPERTY, value: target });
    return item;
  }
}

/** What a task and an engine see of a catalog entry. */
export function toDescriptor(entry: CatalogEntry): ModelDescriptor {
  return {
    id: entry.id,
    task: entry.task,
    engine: entry.engine,
    ...(entry.chatTemplate !== undefined ? { chatTemplate: entry.chatTemplate } : {}),
    ...(entry.contextTokens !== undefined ? { contextTokens: entry.contextTokens } : {}),
    ...(entry.maxTokensDefault !== undefined ? { maxTokensDefault: entry.maxTokensDefault } : {}),
    ...(entry.maxTokensStreamDefault !== undefined ? { maxTokensStreamDefault: entry.maxTokensStreamDefault } : {}),
    ...(entry.systemPrompt ? { systemPrompt: entry.systemPrompt } : {}),
    ...(entry.imageGeneration ? { imageGeneration: entry.imageGeneration } : {}),
    ...(entry.speechRecognition ? { speechRecognition: entry.speechRecognition } : {}),
  };
}

/** Workers AI numbers its model sources: 1 for Cloudflare (`@cf`), 2 for Hugging Face (`@hf`). */
function sourceOf(id: string): number {
  return id.startsWith("@hf/") ? 2 : 1;
}

export function toSearchItem(entry: CatalogEntry): ModelSearchItem {
  const info = TASK_INFO[entry.task];
  // Outpost's `programs`: a model with nothing to pull (espeak-ng), so clients need not offer a pull.
  const properties = { ...(entry.contextTokens !== undefined ? { context_window: entry.contextTokens } : {}), ...entry.properties, ...(entry.programs ? { programs: entry.programs } : {}) };
  return {
    id: modelUuid(entry.id),
    source: sourceOf(entry.id),
    name: entry.id,
    description: entry.description,
    task: { id: info.uuid, name: info.name, description: info.description },
    ...(entry.createdAt ? { created_at: entry.createdAt } : {}),
    tags: [],
    properties: Object.entries(properties).map(([property_id, value]) => ({ property_id, value })),
  };
}
