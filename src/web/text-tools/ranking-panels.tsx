import { useState } from "preact/hooks";
import { LabelBars } from "../label-bars.js";
import { ModelSelect, useModel } from "../model-select.js";
import { PanelError } from "../panel.js";
import { TEXT_CLASSIFICATION, isReranker, type Models } from "../models.js";
import { classifyText, rerank, type Label, type Ranked } from "../tasks.js";
import { useTask } from "../use-task.js";

const notReranker = (name: string) => !isReranker(name);

export function ClassifyPanel({ models }: { models: Models }) {
  const [model, setModel] = useModel(models, TEXT_CLASSIFICATION, notReranker);
  const [text, setText] = useState("What a wonderful day.");
  const task = useTask<{ model: string; labels: Label[] }>();
  return (
    <form
      class="tool"
      aria-labelledby="classify-title"
      onSubmit={(e) => {
        e.preventDefault();
        void task.run(async () => ({ model, labels: await classifyText(model, { text }) }));
      }}
    >
      <h2 id="classify-title">Classify</h2>
      <ModelSelect id="classify-model" label="Model" task={TEXT_CLASSIFICATION} accept={notReranker} value={model} models={models} onChange={setModel} />
      <div class="field">
        <label for="classify-text">Text</label>
        <textarea id="classify-text" rows={2} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={task.busy || !model || !text.trim()}>
          {task.busy ? "Classifying…" : "Classify"}
        </button>
      </div>
      <PanelError error={task.error} />
      {task.result && <LabelBars labels={task.result.labels} caption={`Labels from ${task.result.model}`} />}
    </form>
  );
}

const START_CONTEXTS = ["Paris is the capital of France.", "The Eiffel Tower was finished in 1889.", "Bananas are rich in potassium."].join("\n");

export function RerankPanel({ models }: { models: Models }) {
  const [model, setModel] = useModel(models, TEXT_CLASSIFICATION, isReranker);
  const [query, setQuery] = useState("What is the capital of France?");
  const [contexts, setContexts] = useState(START_CONTEXTS);
  const [topK, setTopK] = useState("");
  const task = useTask<{ texts: string[]; ranked: Ranked[] }>();
  // One context a line; blank lines are not contexts.
  const texts = contexts.split("\n").filter((t) => t.trim());
  return (
    <form
      class="tool"
      aria-labelledby="rerank-title"
      onSubmit={(e) => {
        e.preventDefault();
        const top_k = topK.trim() === "" ? undefined : Number(topK);
        const sent = texts;
        void task.run(async () => ({ texts: sent, ranked: await rerank(model, { query, contexts: sent.map((text) => ({ text })), ...(top_k !== undefined ? { top_k } : {}) }) }));
      }}
    >
      <h2 id="rerank-title">Rerank</h2>
      <ModelSelect id="rerank-model" label="Model" task={TEXT_CLASSIFICATION} accept={isReranker} value={model} models={models} onChange={setModel} />
      <div class="field">
        <label for="rerank-query">Query</label>
        <input id="rerank-query" type="text" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="rerank-contexts">Passages, one a line</label>
        <textarea id="rerank-contexts" rows={4} value={contexts} onInput={(e) => setContexts(e.currentTarget.value)} />
      </div>
      <div class="field narrow">
        <label for="rerank-top-k">Keep the best</label>
        <input id="rerank-top-k" type="number" placeholder="all" value={topK} onInput={(e) => setTopK(e.currentTarget.value)} />
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={task.busy || !model || !query.trim() || texts.length === 0}>
          {task.busy ? "Ranking…" : "Rerank"}
        </button>
      </div>
      <PanelError error={task.error} />
      {task.result && (
        <ol class="ranked" aria-label="Passages, best first">
          {task.result.ranked.map(({ id, score }) => (
            <li key={id} data-id={id}>
              <span class="model-text">{task.result!.texts[id]}</span>
              <span class="score">
                #{id + 1} · {score.toFixed(4)}
              </span>
            </li>
          ))}
        </ol>
      )}
    </form>
  );
}
