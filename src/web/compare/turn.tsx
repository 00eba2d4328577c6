import { useState } from "preact/hooks";
import { Markdown } from "../markdown/render.js";
import type { Turn } from "./state.js";
import { answerStats, describeStats } from "./stats.js";

const STATUS_TEXT: Record<Turn["status"], string> = { streaming: "streaming", done: "", stopped: "stopped", error: "failed" };

/** What the pane's last turn can do besides being read. */
export interface LastTurn {
  paneId: number;
  /** False while the pane streams. */
  canRedo: boolean;
  onRegenerate(): void;
  onResend(text: string): void;
}

/** The last message in an editor: Ctrl+Enter (or Send) sends it in place of the old one, Esc cancels. */
function EditMessage({ id, text, onSend, onCancel }: { id: string; text: string; onSend(text: string): void; onCancel(): void }) {
  const [draft, setDraft] = useState(text);
  const send = () => draft.trim() && onSend(draft.trim());
  return (
    <div class="edit">
      <label for={id} class="visually-hidden">
        Edit the message
      </label>
      <textarea
        id={id}
        rows={2}
        value={draft}
        autoFocus
        onInput={(e) => setDraft(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            send();
          } else if (e.key === "Escape") {
            // Esc here cancels the edit; it must not also reach the page's stop-everything key.
            e.stopPropagation();
            onCancel();
          }
        }}
      />
      <div class="actions">
        <button type="button" class="primary" disabled={!draft.trim()} onClick={send}>
          Send
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** One message and its answer; the last one can be regenerated, or edited and sent again. */
export function TurnView({ turn, last }: { turn: Turn; last?: LastTurn }) {
  const [editing, setEditing] = useState(false);
  const stats = answerStats(turn, turn.endedAt ?? performance.now());
  return (
    <li class="turn" data-status={turn.status}>
      {editing && last ? (
        <EditMessage
          id={`pane-${last.paneId}-edit`}
          text={turn.user}
          onSend={(text) => {
            setEditing(false);
            last.onResend(text);
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <p class="user">{turn.user}</p>
      )}
      <div class="answer" aria-busy={turn.status === "streaming"}>
        <Markdown text={turn.answer} />
        {turn.status === "streaming" && <span class="cursor" aria-hidden="true" />}
      </div>
      {turn.toolCalls && (
        <ul class="tool-calls" aria-label="Tool calls">
          {turn.toolCalls.map((call, i) => (
            <li class="tool-call" key={call.id ?? i}>
              <strong>{call.function.name}</strong>
              <pre>{call.function.arguments}</pre>
            </li>
          ))}
        </ul>
      )}
      {turn.error && <p class="error">{turn.error}</p>}
      <p class="stats">
        {describeStats(stats)}
        {STATUS_TEXT[turn.status] && <span class={`badge ${turn.status}`}>{STATUS_TEXT[turn.status]}</span>}
      </p>
      {last && !editing && (
        <div class="redo">
          <button type="button" disabled={!last.canRedo} onClick={last.onRegenerate}>
            Regenerate
          </button>
          <button type="button" disabled={!last.canRedo} onClick={() => setEditing(true)}>
            Edit message
          </button>
        </div>
      )}
    </li>
  );
}
