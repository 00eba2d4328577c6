/** A panel's failure, as the server worded it. */
export function PanelError({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

/** Text from a model, shown as text: white space kept, long runs wrapped anywhere. */
export function TextResult({ label, text }: { label: string; text: string | undefined }) {
  return text === undefined ? null : (
    <div class="result">
      <h3>{label}</h3>
      <p class="model-text">{text}</p>
    </div>
  );
}
