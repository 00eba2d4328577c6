import { useState } from "preact/hooks";
import { embed } from "../api.js";
import { ModelSelect, useModel } from "../model-select.js";
import { TEXT_EMBEDDINGS, type Models } from "../models.js";
import { colourRange, heatColours, position, similarityMatrix } from "./similarity.js";

const EXAMPLES = ["Once upon a time there was a little girl named Lily.", "Lily was a little girl who loved to play outside.", "The dog ran to the park to find a ball.", "Stock markets fell sharply on Tuesday."];
const MAX_TEXTS = 12;

interface Result {
  texts: string[];
  model: string;
  matrix: number[][];
  dimensions: number;
}

function HeatMap({ result }: { result: Result }) {
  const range = colourRange(result.matrix);
  const n = result.texts.length;
  return (
    <figure class="heatmap">
      <div class="scroll">
        <table>
          <caption>
            Cosine similarity of {n} texts ({result.dimensions}-dimension vectors from {result.model})
          </caption>
          <thead>
            <tr>
              <td />
              {result.texts.map((text, j) => (
                <th key={j} scope="col" title={text}>
                  #{j + 1}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {result.matrix.map((row, i) => (
              <tr key={i}>
                <th scope="row" title={result.texts[i]}>
                  <span class="num">#{i + 1}</span> <span class="text">{result.texts[i]}</span>
                </th>
                {row.map((value, j) => {
                  const colours = heatColours(position(value, range));
                  return (
                    <td key={j} style={{ background: colours.background, color: colours.text }} aria-label={`#${i + 1} and #${j + 1}: ${value.toFixed(3)}`}>
                      {value.toFixed(2)}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <figcaption class="legend">
        <span>{range.min.toFixed(2)}</span>
        <span class="gradient" aria-hidden="true" />
        <span>{range.max.toFixed(2)}</span>
        <span class="hint">Colours span the lowest to the highest similarity between different texts.</span>
      </figcaption>
    </figure>
  );
}

/** Several texts in, a similarity heat map out. */
export function EmbeddingsPage({ hidden, models }: { hidden: boolean; models: Models }) {
  const [model, setModel] = useModel(models, TEXT_EMBEDDINGS);
  const [texts, setTexts] = useState<string[]>(EXAMPLES);
  const [result, setResult] = useState<Result>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const filled = texts.map((t) => t.trim()).filter(Boolean);
  const compare = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { data, shape } = await embed(model, filled);
      setResult({ texts: filled, model, matrix: similarityMatrix(data), dimensions: shape[1] ?? data[0]?.length ?? 0 });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const setText = (i: number, value: string) => setTexts(texts.map((t, j) => (j === i ? value : t)));

  return (
    <section class="page embeddings" hidden={hidden} aria-labelledby="embeddings-title">
      <h1 id="embeddings-title">Embeddings</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void compare();
        }}
      >
        <ModelSelect id="embeddings-model" label="Model" task={TEXT_EMBEDDINGS} value={model} models={models} onChange={setModel} />
        <ol class="texts">
          {texts.map((text, i) => (
            <li key={i}>
              <label for={`text-${i}`} class="visually-hidden">
                Text {i + 1}
              </label>
              <input id={`text-${i}`} type="text" value={text} onInput={(e) => setText(i, e.currentTarget.value)} />
              <button type="button" class="icon" aria-label={`Remove text ${i + 1}`} title="Remove" disabled={texts.length <= 2} onClick={() => setTexts(texts.filter((_, j) => j !== i))}>
                ×
              </button>
            </li>
          ))}
        </ol>
        <div class="actions">
          <button type="button" disabled={texts.length >= MAX_TEXTS} onClick={() => setTexts([...texts, ""])}>
            Add text
          </button>
          <button type="submit" class="primary" disabled={busy || filled.length < 2 || !model}>
            {busy ? "Embedding…" : "Compare texts"}
          </button>
        </div>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {result && <HeatMap result={result} />}
    </section>
  );
}
