import { useMemo, useState } from "preact/hooks";
import { pull, removeModel, type LocalModel, type PullStatus } from "../api.js";
import { formatBytes } from "../format.js";
import type { Models } from "../models.js";
import { describeProperty, filterModels, tasksOf, type CatalogFilter, type CatalogModel } from "./filter.js";

/** What the page knows of a pull or removal it started. */
type Work = { pull: PullStatus } | { removing: true } | { error: string };

function Progress({ status }: { status: PullStatus }) {
  const total = status.totalBytes;
  const label = `Pulling ${status.model}`;
  const parts = [total ? `${formatBytes(status.completedBytes)} of ${formatBytes(total)}` : formatBytes(status.completedBytes)];
  if (status.state === "pulling" && status.bytesPerSecond > 0) parts.push(`${formatBytes(status.bytesPerSecond)}/s`);
  if (status.state === "pulling" && status.etaS !== undefined) parts.push(`${Math.ceil(status.etaS)} s left`);
  if (status.state === "done") parts.push("done");
  return (
    <div class="pull">
      <progress aria-label={label} max={total ?? 1} value={total ? status.completedBytes : status.state === "done" ? 1 : undefined} />
      <span>{parts.join(" · ")}</span>
    </div>
  );
}

function LocalBadge({ local, known }: { local: LocalModel | undefined; known: boolean }) {
  if (!known) return null;
  if (!local) return <span class="badge">not local</span>;
  return <span class="badge local">{local.location === "store" ? `pulled · ${formatBytes(local.sizeBytes)}` : `in mirror · ${formatBytes(local.sizeBytes)}`}</span>;
}

function ModelCard({ model, local, storeApi, work, onPull, onRemove }: { model: CatalogModel; local: LocalModel | undefined; storeApi: boolean; work: Work | undefined; onPull(): void; onRemove(): void }) {
  const busy = work !== undefined && (("pull" in work && work.pull.state === "pulling") || "removing" in work);
  const slug = model.name.replace(/[^a-z0-9]+/gi, "-");
  return (
    <li>
      <article class="model" aria-labelledby={`model-${slug}`} data-model={model.name}>
        <header>
          <h2 id={`model-${slug}`}>{model.name}</h2>
          <span class="badge task">{model.task}</span>
          <LocalBadge local={local} known={storeApi} />
        </header>
        <p>{model.description}</p>
        {Object.keys(model.properties).length > 0 && (
          <dl class="properties">
            {Object.entries(model.properties).map(([id, value]) => {
              const p = describeProperty(id, value);
              return (
                <div key={id}>
                  <dt>{p.label}</dt>
                  <dd>{p.value}</dd>
                </div>
              );
            })}
          </dl>
        )}
        {storeApi && (
          <div class="actions">
            {local?.location !== "store" && (
              <button type="button" disabled={busy} onClick={onPull}>
                Pull<span class="visually-hidden"> {model.name}</span>
              </button>
            )}
            {local?.location === "store" && (
              <button type="button" disabled={busy} onClick={onRemove}>
                Remove<span class="visually-hidden"> {model.name}</span>
              </button>
            )}
          </div>
        )}
        {work && "pull" in work && <Progress status={work.pull} />}
        {work && "error" in work && (
          <p class="error" role="alert">
            {work.error}
          </p>
        )}
      </article>
    </li>
  );
}

/** The catalog: search and filter by task; on a server with a store, pull with progress and remove. */
export function CatalogPage({ hidden, models }: { hidden: boolean; models: Models }) {
  const [filter, setFilter] = useState<CatalogFilter>({ search: "", task: "", localOnly: false });
  const [work, setWork] = useState<ReadonlyMap<string, Work>>(new Map());
  const tasks = useMemo(() => tasksOf(models.catalog), [models.catalog]);
  const shown = filterModels(models.catalog, filter, models.local);
  const storeApi = models.local !== undefined;
  const setFor = (model: string, w: Work | undefined) =>
    setWork((prev) => {
      const next = new Map(prev);
      if (w) next.set(model, w);
      else next.delete(model);
      return next;
    });

  const startPull = async (model: string) => {
    try {
      for await (const status of pull(model)) {
        setFor(model, status.state === "failed" ? { error: status.error?.message ?? "The pull failed." } : { pull: status });
      }
      await models.refreshLocal();
    } catch (error) {
      setFor(model, { error: (error as Error).message });
    }
  };
  const remove = async (model: string) => {
    setFor(model, { removing: true });
    try {
      await removeModel(model);
      setFor(model, undefined);
      await models.refreshLocal();
    } catch (error) {
      setFor(model, { error: (error as Error).message });
    }
  };

  return (
    <section class="page catalog" hidden={hidden} aria-labelledby="catalog-title">
      <h1 id="catalog-title">Catalog</h1>
      <div class="filters" role="search">
        <div class="field grow">
          <label for="catalog-search">Search models</label>
          <input id="catalog-search" type="search" placeholder="name, description or task" value={filter.search} onInput={(e) => setFilter({ ...filter, search: e.currentTarget.value })} />
        </div>
        <div class="field">
          <label for="catalog-task">Task</label>
          <select id="catalog-task" value={filter.task} onChange={(e) => setFilter({ ...filter, task: e.currentTarget.value })}>
            <option value="">All tasks</option>
            {tasks.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <label class="check">
          <input type="checkbox" checked={filter.localOnly} disabled={!storeApi} onChange={(e) => setFilter({ ...filter, localOnly: e.currentTarget.checked })} />
          Only models on this server
        </label>
      </div>
      <p class="count" role="status">
        {shown.length} of {models.catalog.length} models
      </p>
      {!storeApi && <p class="note">This server has no model store API, so pulling and removing models is not available here.</p>}
      <ul class="models">
        {shown.map((m) => (
          <ModelCard key={m.name} model={m} local={models.local?.get(m.name)} storeApi={storeApi} work={work.get(m.name)} onPull={() => void startPull(m.name)} onRemove={() => void remove(m.name)} />
        ))}
      </ul>
    </section>
  );
}
