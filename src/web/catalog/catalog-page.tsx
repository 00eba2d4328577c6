import { useMemo, useState } from "preact/hooks";
import { removeModel, type LocalModel } from "../api.js";
import { ConfirmDialog } from "../confirm-dialog.js";
import { formatBytes } from "../format.js";
import type { Models } from "../models.js";
import { PullProgress } from "../pull-progress.js";
import { isPulling, type PullState } from "../pulls.js";
import { describeProperty, filterModels, tasksOf, type CatalogFilter, type CatalogModel } from "./filter.js";

/** What the page knows of a removal it started (pulls are in `models.pulls`). */
type Removal = { removing: true } | { error: string };

function LocalBadge({ local, known, programs }: { local: LocalModel | undefined; known: boolean; programs: boolean }) {
  if (!known) return null;
  if (programs) return <span class="badge local">programs · nothing to pull</span>;
  if (!local) return <span class="badge">not local</span>;
  return <span class="badge local">{local.location === "store" ? `pulled · ${formatBytes(local.sizeBytes)}` : `in mirror · ${formatBytes(local.sizeBytes)}`}</span>;
}

interface CardProps {
  model: CatalogModel;
  local: LocalModel | undefined;
  storeApi: boolean;
  pull: PullState | undefined;
  removal: Removal | undefined;
  onPull(): void;
  onRemove(): void;
}

function ModelCard({ model, local, storeApi, pull, removal, onPull, onRemove }: CardProps) {
  const busy = isPulling(pull) || (removal !== undefined && "removing" in removal);
  const slug = model.name.replace(/[^a-z0-9]+/gi, "-");
  // Programs on the server (espeak-ng) have no files: nothing to pull or remove.
  const programs = model.properties.programs !== undefined;
  // A removal's outcome is newer than any pull before it, and a pull is only offered once removed.
  const error = (removal && "error" in removal && removal.error) || (pull && "error" in pull && pull.error);
  return (
    <li>
      <article class="model" aria-labelledby={`model-${slug}`} data-model={model.name}>
        <header>
          <h2 id={`model-${slug}`}>{model.name}</h2>
          <span class="badge task">{model.task}</span>
          <LocalBadge local={local} known={storeApi} programs={programs} />
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
        {storeApi && !programs && (
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
        {pull && "status" in pull && (pull.status.state === "pulling" || local?.location === "store") && <PullProgress status={pull.status} />}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </article>
    </li>
  );
}

/** The catalog: search and filter by task; on a server with a store, pull with progress and remove. */
export function CatalogPage({ hidden, models }: { hidden: boolean; models: Models }) {
  const [filter, setFilter] = useState<CatalogFilter>({ search: "", task: "", localOnly: false });
  const [removals, setRemovals] = useState<ReadonlyMap<string, Removal>>(new Map());
  const [confirming, setConfirming] = useState<string>();
  const tasks = useMemo(() => tasksOf(models.catalog), [models.catalog]);
  const shown = filterModels(models.catalog, filter, models.local);
  const storeApi = models.local !== undefined;
  const setRemoval = (model: string, r: Removal | undefined) =>
    setRemovals((prev) => {
      const next = new Map(prev);
      if (r) next.set(model, r);
      else next.delete(model);
      return next;
    });

  const pullModel = (model: string) => {
    setRemoval(model, undefined);
    void models.startPull(model);
  };
  const remove = async (model: string) => {
    setRemoval(model, { removing: true });
    try {
      await removeModel(model);
      await models.refreshLocal();
      setRemoval(model, undefined);
    } catch (error) {
      setRemoval(model, { error: (error as Error).message });
    }
  };
  const confirmingSize = confirming && models.local?.get(confirming)?.sizeBytes;

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
          <ModelCard
            key={m.name}
            model={m}
            local={models.local?.get(m.name)}
            storeApi={storeApi}
            pull={models.pulls.get(m.name)}
            removal={removals.get(m.name)}
            onPull={() => pullModel(m.name)}
            onRemove={() => setConfirming(m.name)}
          />
        ))}
      </ul>
      {confirming && (
        <ConfirmDialog title={`Remove ${confirming}?`} confirm="Remove" onConfirm={() => void remove(confirming)} onClose={() => setConfirming(undefined)}>
          Its weights{confirmingSize ? ` (${formatBytes(confirmingSize)})` : ""} are deleted from this server. Requests for it fail until it is pulled again.
        </ConfirmDialog>
      )}
    </section>
  );
}
