import { useMemo, useState } from "preact/hooks";
import { ModelSelect, useModel } from "../model-select.js";
import { SUMMARIZATION, TRANSLATION, type Models } from "../models.js";
import { summarize, translate } from "../tasks.js";
import { PanelError, TextResult } from "../panel.js";
import { useTask } from "../use-task.js";
import { languageChoices } from "./languages.js";

export function TranslatePanel({ models }: { models: Models }) {
  const [model, setModel] = useModel(models, TRANSLATION);
  const [source, setSource] = useState("en");
  const [target, setTarget] = useState("fr");
  const [text, setText] = useState("The weather is lovely today.");
  const task = useTask<string>();
  const languages = useMemo(() => languageChoices(), []);
  const picker = (id: string, label: string, value: string, set: (code: string) => void) => (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => set(e.currentTarget.value)}>
        {languages.map((l) => (
          <option key={l.code} value={l.code}>
            {l.name}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <form
      class="tool"
      aria-labelledby="translate-title"
      onSubmit={(e) => {
        e.preventDefault();
        void task.run(() => translate(model, { text, source_lang: source, target_lang: target }));
      }}
    >
      <h2 id="translate-title">Translate</h2>
      <ModelSelect id="translate-model" label="Model" task={TRANSLATION} value={model} models={models} onChange={setModel} />
      <div class="languages">
        {picker("translate-source", "From", source, setSource)}
        <button
          type="button"
          aria-label="Swap languages"
          title="Swap languages"
          onClick={() => {
            setSource(target);
            setTarget(source);
          }}
        >
          ⇄
        </button>
        {picker("translate-target", "To", target, setTarget)}
      </div>
      <div class="field">
        <label for="translate-text">Text</label>
        <textarea id="translate-text" rows={3} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={task.busy || !model || !text.trim()}>
          {task.busy ? "Translating…" : "Translate"}
        </button>
      </div>
      <PanelError error={task.error} />
      <TextResult label="Translation" text={task.result} />
    </form>
  );
}

const START_SUMMARY =
  "The city council met on Tuesday to discuss the new park by the river. Residents asked for more trees, a playground and longer opening hours. The council agreed to publish a plan by spring.";

export function SummarizePanel({ models }: { models: Models }) {
  const [model, setModel] = useModel(models, SUMMARIZATION);
  const [text, setText] = useState(START_SUMMARY);
  const [maxLength, setMaxLength] = useState("");
  const task = useTask<string>();
  return (
    <form
      class="tool"
      aria-labelledby="summarize-title"
      onSubmit={(e) => {
        e.preventDefault();
        // An unset length is the model's default; anything else goes as typed, so the server names a bad one.
        const max_length = maxLength.trim() === "" ? undefined : Number(maxLength);
        void task.run(() => summarize(model, { input_text: text, ...(max_length !== undefined ? { max_length } : {}) }));
      }}
    >
      <h2 id="summarize-title">Summarize</h2>
      <ModelSelect id="summarize-model" label="Model" task={SUMMARIZATION} value={model} models={models} onChange={setModel} />
      <div class="field">
        <label for="summarize-text">Text</label>
        <textarea id="summarize-text" rows={5} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </div>
      <div class="field narrow">
        <label for="summarize-max">Longest summary (tokens)</label>
        <input id="summarize-max" type="number" placeholder="default" value={maxLength} onInput={(e) => setMaxLength(e.currentTarget.value)} />
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={task.busy || !model || !text.trim()}>
          {task.busy ? "Summarizing…" : "Summarize"}
        </button>
      </div>
      <PanelError error={task.error} />
      <TextResult label="Summary" text={task.result} />
    </form>
  );
}
