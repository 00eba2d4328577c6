import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

interface Props {
  title: string;
  children: ComponentChildren;
  /** The confirming button's text, e.g. "Remove": it says what happens, not "OK". */
  confirm: string;
  onConfirm(): void;
  /** Called however the dialog closes: after a confirm, Cancel or Esc. */
  onClose(): void;
}

/**
 * A modal question in the page (not window.confirm, which blocks the page and cannot be
 * styled or labelled). Cancel has the focus first, so Enter alone never destroys anything.
 */
export function ConfirmDialog({ title, children, confirm, onConfirm, onClose }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog ref={dialog} class="confirm-dialog" role="alertdialog" aria-labelledby="confirm-title" aria-describedby="confirm-text" onClose={onClose}>
      <h2 id="confirm-title">{title}</h2>
      <p id="confirm-text">{children}</p>
      <div class="actions">
        <button type="button" autoFocus onClick={() => dialog.current?.close()}>
          Cancel
        </button>
        <button
          type="button"
          class="danger"
          onClick={() => {
            onConfirm();
            dialog.current?.close();
          }}
        >
          {confirm}
        </button>
      </div>
    </dialog>
  );
}
