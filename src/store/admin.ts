import { diskSizeBytes } from "./tree.js";
import { OutpostError, type LocalModel, type ModelAdmin, type PullEvent, type PullStatus } from "../contract/index.js";
import type { Catalog, CatalogEntry } from "../catalog/index.js";
import { customEntry, customRecord, removeCustomModel, saveCustomModel, type CustomModelSpec } from "./custom.js";
import { checkModelName } from "./names.js";
import type { Pull } from "./pull.js";
import type { ModelStore } from "./store.js";

/**
 * The model store as the admin API and the CLI use it: catalog ids in, pulls with progress,
 * the local list (store and mirror), removal, custom models.
 */
export class StoreAdmin implements ModelAdmin {
  readonly #catalog: Catalog;
  readonly #store: ModelStore;

  constructor(catalog: Catalog, store: ModelStore) {
    this.#catalog = catalog;
    this.#store = store;
  }

  /** Starts or joins the pull of a model this build can run (MODEL_NOT_FOUND / ENGINE_UNAVAILABLE otherwise). */
  start(model: string): Pull {
    checkModelName(model);
    const entry = this.#catalog.runnable(model);
    if (entry.programs) throw new OutpostError("INPUT_INVALID", `${model} has nothing to pull: it runs the ${entry.programs.join(" and ")} programs of this machine`);
    return this.#store.pull(entry);
  }

  pull(model: string): PullStatus {
    return this.start(model).status();
  }

  pulls(): PullStatus[] {
    return this.#store.pulls();
  }

  pullStatus(id: string): PullStatus | undefined {
    return this.#store.findPull(id)?.status();
  }

  watch(id: string, signal?: AbortSignal): AsyncIterable<PullEvent> {
    const pull = this.#store.findPull(id);
    if (!pull) throw new OutpostError("NOT_FOUND", `No pull with id ${id}`);
    return pull.events(signal);
  }

  /** Models in the store, then catalog models found only in the mirror. */
  async local(): Promise<LocalModel[]> {
    const stored = await this.#store.list();
    const models: LocalModel[] = stored.map(({ manifest, path }) => ({
      model: manifest.model,
      location: "store",
      path,
      sizeBytes: manifest.sizeBytes,
      digest: manifest.digest,
      pulledAt: manifest.pulledAt,
      lastUsedAt: manifest.lastUsedAt,
      custom: this.#catalog.find(manifest.model)?.custom === true,
    }));
    const inStore = new Set(models.map((m) => m.model));
    for (const entry of this.#catalog.list()) {
      if (!entry.artifact || inStore.has(entry.id)) continue;
      const path = await this.#store.mirrorPath(entry.artifact);
      if (path) models.push({ model: entry.id, location: "mirror", path, sizeBytes: await diskSizeBytes(path), custom: entry.custom === true });
    }
    return models;
  }

  async remove(model: string): Promise<boolean> {
    const removed = await this.#store.remove(model);
    if (this.#catalog.find(model)?.custom !== true) return removed;
    await removeCustomModel(this.#store.layout, model);
    this.#catalog.remove(model);
    return true;
  }

  /**
   * `outpost models add`: checks the spec, pulls the file into the store (the same pull path
   * as any model; `onPull` gets it to show progress), pins its sha256 and saves the model, so a
   * failed add registers nothing. A catalog model's id cannot be taken.
   */
  async add(spec: CustomModelSpec, cwd: string, onPull: (pull: Pull) => void = () => undefined): Promise<CatalogEntry> {
    const record = customRecord(spec, cwd, this.#store.endpointOrigin);
    const existing = this.#catalog.find(record.name);
    if (existing && !existing.custom) throw new OutpostError("INPUT_INVALID", `${record.name} is a catalog model; choose another name`);
    // Whatever the store holds under this name belongs to the model being replaced.
    await this.#store.remove(record.name);
    const pull = this.#store.pull(customEntry(record));
    onPull(pull);
    await pull.done;
    const stored = await this.#store.stored(customEntry(record));
    if (!stored) throw new OutpostError("INTERNAL", `${record.name} was pulled but is not in the store`);
    const pinned = { ...record, sha256: stored.manifest.digest.replace(/^sha256:/, ""), sizeBytes: stored.manifest.sizeBytes };
    await saveCustomModel(this.#store.layout, pinned);
    const entry = customEntry(pinned);
    this.#catalog.add(entry);
    return entry;
  }
}
