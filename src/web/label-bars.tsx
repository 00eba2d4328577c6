import type { Label } from "./tasks.js";

/** Labels with their scores as bars, in the order the model gave them (most likely first). */
export function LabelBars({ labels, caption }: { labels: Label[]; caption: string }) {
  return (
    <figure class="labels">
      <figcaption>{caption}</figcaption>
      <ol>
        {labels.map(({ label, score }, i) => (
          <li key={i} data-label={label} data-score={score}>
            <span class="label">{label}</span>
            <meter min={0} max={1} value={score} aria-label={`${label}: ${(score * 100).toFixed(1)}%`} />
            <span class="score">{(score * 100).toFixed(1)}%</span>
          </li>
        ))}
      </ol>
    </figure>
  );
}
