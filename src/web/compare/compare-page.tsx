import { useEffect, useReducer, useRef, useState } from "preact/hooks";
import { generate, type GenerationInputs } from "../api.js";
import { TEXT_GENERATION, defaultModels, pickerChoices, type Models } from "../models.js";
import { CodeDialog } from "./code-dialog.js";
import { PaneView } from "./pane.js";
import { loadSaved, nextTurnId, save } from "./saved.js";
import { requestSnippet } from "./snippets.js";
import { MAX_PANES, buildInputs, initialState, isStreaming, reduce, type Pane, type Turn } from "./state.js";

const EXAMPLE_PROMPT = "Once upon a time";

interface CodeRequest {
  pane: number;
  model: string;
  inputs: GenerationInputs;
  /** Whether this request was sent (the pane's last), or is the one the pane would send. */
  sent: boolean;
}

/** Several models answer one message side by side, each with its own settings and history. */
export function ComparePage({ hidden, models }: { hidden: boolean; models: Models }) {
  // What the last visit left (read once: the reducer and the prompt start from it).
  const [saved] = useState(() => loadSaved(localStorage));
  const [state, dispatch] = useReducer(reduce, undefined, () => saved?.state ?? initialState([]));
  const [prompt, setPrompt] = useState(saved?.prompt ?? "");
  const [code, setCode] = useState<CodeRequest>();
  const controllers = useRef(new Map<number, AbortController>());
  const nextTurn = useRef(saved ? nextTurnId(saved.state) : 1);
  const choices = pickerChoices(models, TEXT_GENERATION);

  // Panes start empty and get the first models once the catalog arrives.
  useEffect(() => {
    const defaults = defaultModels(choices, state.panes.length);
    state.panes.forEach((pane, i) => {
      if (!pane.settings.model && defaults[i]) dispatch({ type: "settings", pane: pane.id, settings: { model: defaults[i] } });
    });
  }, [models.catalog, models.local]);

  /** Sends `text` from the pane; with `replacing` (its last turn), in that turn's place. */
  const run = async (pane: Pane, text: string, replacing?: Turn) => {
    const { model } = pane.settings;
    const history = replacing ? pane.turns.slice(0, -1) : pane.turns;
    const inputs = buildInputs(pane.settings, history, text);
    const turn = nextTurn.current++;
    const controller = new AbortController();
    controllers.current.set(pane.id, controller);
    dispatch({ type: "start", pane: pane.id, replacing: replacing?.id, turn: { id: turn, user: text, answer: "", status: "streaming", model, inputs, startedAt: performance.now(), tokenEvents: 0 } });
    const end = (status: "done" | "stopped" | "error", error?: string) => dispatch({ type: "end", pane: pane.id, turn, status, error, at: performance.now() });
    try {
      for await (const event of generate(model, inputs, controller.signal)) dispatch({ type: "event", pane: pane.id, turn, event, at: performance.now() });
      // A stream that ends without [DONE] or an error event was cut off.
      end("error", "The stream ended before it finished.");
    } catch (error) {
      if (controller.signal.aborted) end("stopped");
      else end("error", (error as Error).message);
    } finally {
      if (controllers.current.get(pane.id) === controller) controllers.current.delete(pane.id);
    }
  };

  const send = () => {
    const text = prompt.trim();
    if (!text) return;
    const idle = state.panes.filter((p) => !isStreaming(p) && p.settings.model);
    if (idle.length === 0) return;
    for (const pane of idle) void run(pane, text);
    setPrompt("");
  };
  const reset = () => {
    dispatch({ type: "reset", models: defaultModels(choices, 2) });
    setPrompt("");
  };
  const stop = (pane: number) => controllers.current.get(pane)?.abort();
  const stopAll = () => controllers.current.forEach((c) => c.abort());
  const streaming = state.panes.some(isStreaming);

  // Saved when nothing streams (not once per token), and whatever the state when the page goes.
  const latest = useRef({ state, prompt });
  latest.current = { state, prompt };
  useEffect(() => {
    if (!streaming) save(localStorage, { state, prompt });
  }, [state, prompt, streaming]);
  useEffect(() => {
    const flush = () => save(localStorage, latest.current);
    addEventListener("pagehide", flush);
    return () => removeEventListener("pagehide", flush);
  }, []);

  const showCode = (pane: Pane) => {
    const last = pane.turns.at(-1);
    setCode(
      last
        ? { pane: pane.id, model: last.model, inputs: last.inputs, sent: true }
        : { pane: pane.id, model: pane.settings.model, inputs: buildInputs(pane.settings, pane.turns, prompt.trim() || EXAMPLE_PROMPT), sent: false },
    );
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape" && streaming && !(e.target as Element).closest("dialog")) {
      e.preventDefault();
      stopAll();
    }
  };

  return (
    <section class="page compare" hidden={hidden} aria-labelledby="compare-title" onKeyDown={onKeyDown}>
      <h1 id="compare-title">Compare models</h1>
      <form
        class="prompt"
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <label for="prompt">Message for every pane</label>
        <textarea
          id="prompt"
          rows={3}
          placeholder={EXAMPLE_PROMPT}
          value={prompt}
          aria-describedby="prompt-keys"
          onInput={(e) => setPrompt(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              send();
            }
          }}
        />
        <div class="actions">
          <button type="submit" class="primary" disabled={!prompt.trim()}>
            Send to all
          </button>
          <button type="button" disabled={!streaming} onClick={stopAll}>
            Stop all
          </button>
          <button type="button" disabled={state.panes.length >= MAX_PANES} onClick={() => dispatch({ type: "add-pane", model: defaultModels(choices, 1)[0]! })}>
            Add pane
          </button>
          <button type="button" disabled={streaming} title="Back to two empty panes; forgets the saved comparison" onClick={reset}>
            Clear all
          </button>
          <span id="prompt-keys" class="hint">
            <kbd>Ctrl</kbd>+<kbd>Enter</kbd> sends, <kbd>Esc</kbd> stops
          </span>
        </div>
      </form>
      <div class="panes">
        {state.panes.map((pane) => (
          <PaneView
            key={pane.id}
            pane={pane}
            models={models}
            canRemove={state.panes.length > 1}
            onSettings={(settings) => dispatch({ type: "settings", pane: pane.id, settings })}
            onStop={() => stop(pane.id)}
            onCopy={() => showCode(pane)}
            onClear={() => dispatch({ type: "clear", pane: pane.id })}
            onRemove={() => dispatch({ type: "remove-pane", pane: pane.id })}
            onRegenerate={() => pane.turns.length > 0 && void run(pane, pane.turns.at(-1)!.user, pane.turns.at(-1))}
            onResend={(text) => pane.turns.length > 0 && void run(pane, text, pane.turns.at(-1))}
          />
        ))}
      </div>
      {code && (
        <CodeDialog
          title={`Pane ${code.pane}: ${code.sent ? "the request it sent" : "the request it would send"}`}
          snippet={(kind) => requestSnippet(kind, location.origin, code.model, code.inputs)}
          onClose={() => setCode(undefined)}
        />
      )}
    </section>
  );
}
