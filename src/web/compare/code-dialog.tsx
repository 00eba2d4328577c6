import { useEffect, useRef, useState } from "preact/hooks";
import { SNIPPET_LABELS, type SnippetKind } from "./snippets.js";

const KINDS = Object.keys(SNIPPET_LABELS) as SnippetKind[];

/** "Copy as code": the exact request as curl, an env.AI Worker or OpenAI SDK code, each from `snippet`. */
export function CodeDialog({ title, snippet: snippetOf, onClose }: { title: string; snippet(kind: SnippetKind): string; onClose(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const code = useRef<HTMLElement>(null);
  const [kind, setKind] = useState<SnippetKind>("curl");
  const [copied, setCopied] = useState<string>();
  const snippet = snippetOf(kind);

  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  useEffect(() => setCopied(undefined), [kind]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(snippet);
      setCopied("Copied to the clipboard.");
    } catch {
      // No clipboard access (an insecure origin, or denied): select the code for Ctrl+C instead.
      getSelection()?.selectAllChildren(code.current!);
      setCopied("Selected: press Ctrl+C to copy.");
    }
  };

  const onTabKey = (e: KeyboardEvent) => {
    const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    const next = KINDS[(KINDS.indexOf(kind) + step + KINDS.length) % KINDS.length]!;
    setKind(next);
    document.getElementById(`code-tab-${next}`)?.focus();
  };

  return (
    <dialog ref={dialog} class="code-dialog" aria-labelledby="code-title" onClose={onClose}>
      <h2 id="code-title">{title}</h2>
      <div role="tablist" aria-label="Language" onKeyDown={onTabKey}>
        {KINDS.map((k) => (
          <button key={k} id={`code-tab-${k}`} type="button" role="tab" aria-selected={k === kind} aria-controls="code-panel" tabIndex={k === kind ? 0 : -1} onClick={() => setKind(k)}>
            {SNIPPET_LABELS[k]}
          </button>
        ))}
      </div>
      <pre id="code-panel" role="tabpanel" aria-labelledby={`code-tab-${kind}`} tabIndex={0}>
        <code ref={code}>{snippet}</code>
      </pre>
      <div class="actions">
        <button type="button" class="primary" onClick={copy}>
          Copy
        </button>
        <button type="button" onClick={() => dialog.current?.close()}>
          Close
        </button>
        <span role="status">{copied}</span>
      </div>
    </dialog>
  );
}
