import { pickerChoices, type Models } from "./models.js";

interface Props {
  id: string;
  label: string;
  task: string;
  value: string;
  models: Models;
  onChange(model: string): void;
}

/** A labelled picker of one task's catalog models, those on the server grouped first. */
export function ModelSelect({ id, label, task, value, models, onChange }: Props) {
  const choices = pickerChoices(models, task);
  const options = (names: string[]) =>
    names.map((name) => (
      <option key={name} value={name}>
        {name}
      </option>
    ));
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {models.local === undefined ? (
          options(choices.other)
        ) : (
          <>
            <optgroup label="On this server">{options(choices.local)}</optgroup>
            <optgroup label="Catalog (pull first)">{options(choices.other)}</optgroup>
          </>
        )}
      </select>
    </div>
  );
}
