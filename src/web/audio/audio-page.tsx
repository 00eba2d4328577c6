import type { Models } from "../models.js";
import { SpeakPanel } from "./speak-panel.js";
import { TranscribePanel } from "./transcribe-panel.js";

/** Speech recognition (microphone or file) and text to speech. */
export function AudioPage({ hidden, models }: { hidden: boolean; models: Models }) {
  return (
    <section class="page audio" hidden={hidden} aria-labelledby="audio-title">
      <h1 id="audio-title">Audio</h1>
      <div class="tools">
        <TranscribePanel models={models} />
        <SpeakPanel models={models} />
      </div>
    </section>
  );
}
