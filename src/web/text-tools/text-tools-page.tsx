import type { Models } from "../models.js";
import { ClassifyPanel, RerankPanel } from "./ranking-panels.js";
import { SummarizePanel, TranslatePanel } from "./text-panels.js";

/** Translation, summarization, text classification and reranking, a panel each. */
export function TextToolsPage({ hidden, models }: { hidden: boolean; models: Models }) {
  return (
    <section class="page text-tools" hidden={hidden} aria-labelledby="text-tools-title">
      <h1 id="text-tools-title">Text tools</h1>
      <div class="tools">
        <TranslatePanel models={models} />
        <SummarizePanel models={models} />
        <ClassifyPanel models={models} />
        <RerankPanel models={models} />
      </div>
    </section>
  );
}
