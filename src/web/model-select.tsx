import { useState } from "preact/hooks";
import { defaultModels, isLocal, pickerChoices, type Models } from "./models.js";
import { PullProgress } from "./pull-progress.js";
import { isPulling } from "./pulls.js";

interface Props {
  id: string;
  label: string;
  task: string;
  value: string;
  models: Models;
  onChange(model: string): void;
  /** Narrows the task's models, as for pickerChoices. */
  accept?: (name: string) => boolean;
}

/**
 * The model a picker shows: the one picked, or until then the task's first local one (which
 * may change as the catalog and the server's models arrive).
 */
export function useModel(models: Models, task: string, accept?: (name: string) => boolean): [string, (model: string) => void] {
  const [picked, setPicked] = useState<string>();
  return [picked ?? defaultModels(pickerChoices(models, task, accept), 1)[0]!, setPicked];
}

/**
 * A labelled picker of one task's catalog models, those on the server grouped first. The
 * chosen model is marked local or not; one that is not gets a Pull button with progress, and
 * is local (and answers) once it ends.
 */
export function ModelSelect({ id, label, task, value, models, onChange, accept }: Props) {
  const choices = pickerChoices(models, task, accept);
  const options = (names: string[], local: boolean) =>
    names.map((name) => (
      <option key={name} value={name} data-local={local}>
        {name}
      </option>
    ));
  const known = models.local !== undefined && value !== "";
  const local = isLocal(models, value);
  const pull = models.pulls.get(value);
  const pulling = isPulling(pull);
  return (
    <div class="field model-select" data-local={known ? local : undefined}>
      <label for={id}>{label}</label>
      <div class="picker">
        <select id={id} value={value} aria-describedby={known ? `${id}-where` : undefined} onChange={(e) => onChange(e.currentTarget.value)}>
          {models.local === undefined ? (
            options(choices.other, false)
          ) : (
            <>
              <optgroup label="On this server">{options(choices.local, true)}</optgroup>
              <optgroup label="Catalog (pull first)">{options(choices.other, false)}</optgroup>
            </>
          )}
        </select>
        {known && (
          <span id={`${id}-where`} class={local ? "badge local" : "badge"}>
            {local ? "local" : "not local"}
          </span>
        )}
        {known && !local && (
          <button type="button" disabled={pulling} onClick={() => void models.startPull(value)}>
            Pull<span class="visually-hidden"> {value}</span>
          </button>
        )}
      </div>
      {known && !local && pull && "status" in pull && <PullProgress status={pull.status} />}
      {known && !local && pull && "error" in pull && (
        <p class="error" role="alert">
          {pull.error}
        </p>
      )}
    </div>
  );
}
