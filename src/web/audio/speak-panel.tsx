import { useState } from "preact/hooks";
import { ModelSelect, useModel } from "../model-select.js";
import { TEXT_TO_SPEECH, type Models } from "../models.js";
import { PanelError } from "../panel.js";
import { speak } from "../tasks.js";
import { useTask } from "../use-task.js";
import { useObjectUrl } from "./object-url.js";
import { audioType } from "./wav.js";

/** The languages a model says it speaks (its `languages` property), if it says. */
function languagesOf(models: Models, model: string): string[] {
  const languages = models.catalog.find((m) => m.name === model)?.properties.languages;
  return Array.isArray(languages) ? languages.filter((l): l is string => typeof l === "string") : [];
}

/** Text to speech, with a player and a download. */
export function SpeakPanel({ models }: { models: Models }) {
  const [model, setModel] = useModel(models, TEXT_TO_SPEECH);
  const [prompt, setPrompt] = useState("Hello from Outpost. This speech was made on your own machine.");
  const [lang, setLang] = useState("");
  const task = useTask<Blob>();
  const url = useObjectUrl(task.result);
  const languages = languagesOf(models, model);
  const picked = languages.includes(lang) ? lang : undefined;
  return (
    <form
      class="tool"
      aria-labelledby="speak-title"
      onSubmit={(e) => {
        e.preventDefault();
        void task.run(async () => {
          const bytes = await speak(model, { prompt, ...(picked ? { lang: picked } : {}) });
          return new Blob([bytes], { type: audioType(bytes) });
        });
      }}
    >
      <h2 id="speak-title">Text to speech</h2>
      <ModelSelect id="speak-model" label="Model" task={TEXT_TO_SPEECH} value={model} models={models} onChange={setModel} />
      {languages.length > 0 && (
        <div class="field narrow">
          <label for="speak-lang">Language</label>
          <select id="speak-lang" value={picked ?? ""} onChange={(e) => setLang(e.currentTarget.value)}>
            <option value="">Model default</option>
            {languages.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </div>
      )}
      <div class="field">
        <label for="speak-text">Text</label>
        <textarea id="speak-text" rows={3} value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} />
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={task.busy || !model || !prompt.trim()}>
          {task.busy ? "Speaking…" : "Speak"}
        </button>
      </div>
      <PanelError error={task.error} />
      {task.result && url && (
        <div class="result speech">
          <audio controls src={url} aria-label="Speech" />
          <a href={url} download={task.result.type === "audio/wav" ? "speech.wav" : "speech.mp3"}>
            Download
          </a>
        </div>
      )}
    </form>
  );
}
