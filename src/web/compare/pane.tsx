import { useEffect, useRef } from "preact/hooks";
import { ModelSelect } from "../model-select.js";
import { TEXT_GENERATION, type Models } from "../models.js";
import { isStreaming, type Pane, type PaneSettings } from "./state.js";
import { TurnView } from "./turn.js";

interface Props {
  pane: Pane;
  models: Models;
  canRemove: boolean;
  onSettings(settings: Partial<PaneSettings>): void;
  onStop(): void;
  onCopy(): void;
  onClear(): void;
  onRemove(): void;
  /** Asks the last message again, with the pane's settings as they are now, in place of its answer. */
  onRegenerate(): void;
  /** Sends `text` in place of the last message and its answer. */
  onResend(text: string): void;
}

/** One model's column: its settings, its conversation, and its own stop, copy and clear. */
export function PaneView({ pane, models, canRemove, onSettings, onStop, onCopy, onClear, onRemove, onRegenerate, onResend }: Props) {
  const id = (field: string) => `pane-${pane.id}-${field}`;
  const streaming = isStreaming(pane);
  const transcript = useRef<HTMLOListElement>(null);
  const last = pane.turns.at(-1);

  // Follow the answer as it grows, unless the reader scrolled up to read.
  useEffect(() => {
    const el = transcript.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [last?.answer, pane.turns.length]);

  return (
    <section class="pane" aria-labelledby={id("title")} data-pane={pane.id}>
      <header>
        <h2 id={id("title")}>Pane {pane.id}</h2>
        {canRemove && (
          <button type="button" class="icon" aria-label={`Remove pane ${pane.id}`} title="Remove pane" disabled={streaming} onClick={onRemove}>
            ×
          </button>
        )}
      </header>
      <ModelSelect id={id("model")} label="Model" task={TEXT_GENERATION} value={pane.settings.model} models={models} onChange={(model) => onSettings({ model })} />
      <div class="field">
        <label for={id("system")}>System prompt</label>
        <textarea id={id("system")} rows={2} placeholder="Optional" value={pane.settings.system} onInput={(e) => onSettings({ system: e.currentTarget.value })} />
      </div>
      <fieldset class="sampling">
        <legend>Sampling</legend>
        <div class="field">
          <label for={id("temperature")}>Temperature</label>
          <input id={id("temperature")} type="number" min={0} max={5} step={0.1} value={pane.settings.temperature} onInput={(e) => onSettings({ temperature: e.currentTarget.valueAsNumber || 0 })} />
        </div>
        <div class="field">
          <label for={id("max-tokens")}>Max tokens</label>
          <input id={id("max-tokens")} type="number" min={1} step={1} value={pane.settings.maxTokens} onInput={(e) => onSettings({ maxTokens: Math.max(1, Math.round(e.currentTarget.valueAsNumber) || 1) })} />
        </div>
        <div class="field">
          <label for={id("seed")}>Seed</label>
          <input id={id("seed")} type="text" inputMode="numeric" placeholder="random" value={pane.settings.seed} onInput={(e) => onSettings({ seed: e.currentTarget.value })} />
        </div>
      </fieldset>
      <fieldset class="structured">
        <legend>Structured output</legend>
        <div class="field check">
          <input id={id("json-mode")} type="checkbox" checked={pane.settings.jsonMode} onChange={(e) => onSettings({ jsonMode: e.currentTarget.checked })} />
          <label for={id("json-mode")}>JSON schema</label>
        </div>
        {pane.settings.jsonMode && (
          <div class="field">
            <label for={id("schema")}>Schema</label>
            <textarea id={id("schema")} rows={5} spellcheck={false} value={pane.settings.schema} onInput={(e) => onSettings({ schema: e.currentTarget.value })} />
          </div>
        )}
        <div class="field">
          <label for={id("tools")}>Tools (JSON)</label>
          <textarea id={id("tools")} rows={3} spellcheck={false} placeholder='[{"name": "get_weather", "parameters": {…}}]' value={pane.settings.tools} onInput={(e) => onSettings({ tools: e.currentTarget.value })} />
        </div>
        <div class="field">
          <label for={id("tool-choice")}>Tool choice</label>
          <select id={id("tool-choice")} value={pane.settings.toolChoice} onChange={(e) => onSettings({ toolChoice: e.currentTarget.value as "auto" | "required" })}>
            <option value="auto">auto</option>
            <option value="required">required</option>
          </select>
        </div>
      </fieldset>
      <ol class="transcript" ref={transcript} aria-label={`Conversation in pane ${pane.id}`} aria-live="polite">
        {pane.turns.map((turn) => (
          <TurnView key={turn.id} turn={turn} last={turn === last ? { paneId: pane.id, canRedo: !streaming, onRegenerate, onResend } : undefined} />
        ))}
        {pane.turns.length === 0 && <li class="empty">No messages yet.</li>}
      </ol>
      <footer>
        <button type="button" class="stop" disabled={!streaming} onClick={onStop}>
          Stop
        </button>
        <button type="button" onClick={onCopy}>
          Copy as code
        </button>
        <button type="button" disabled={streaming || pane.turns.length === 0} onClick={onClear}>
          Clear history
        </button>
      </footer>
    </section>
  );
}
