import { useEffect, useRef, useState } from "preact/hooks";
import { ModelSelect, useModel } from "../model-select.js";
import { SPEECH_RECOGNITION, type Models } from "../models.js";
import { PanelError } from "../panel.js";
import { transcribe, type Transcript } from "../tasks.js";
import { useTask } from "../use-task.js";
import { startRecording, type Recording } from "./recorder.js";
import { useObjectUrl } from "./object-url.js";

/** Seconds as the transcript shows them: "1.69". */
const seconds = (s: number) => s.toFixed(2);

function Words({ transcript }: { transcript: Transcript }) {
  if (transcript.words.length === 0) return <p class="hint">The model heard no words.</p>;
  return (
    <ol class="words" aria-label="Words with their times">
      {transcript.words.map((w, i) => (
        <li key={i} data-start={w.start} data-end={w.end}>
          <span class="model-text">{w.word}</span>
          <span class="time">
            {seconds(w.start)}–{seconds(w.end)} s
          </span>
        </li>
      ))}
    </ol>
  );
}

/** A clip from the microphone or a file, to a transcript with each word's times. */
export function TranscribePanel({ models }: { models: Models }) {
  const [model, setModel] = useModel(models, SPEECH_RECOGNITION);
  const [clip, setClip] = useState<{ audio: Blob; name: string }>();
  const [recording, setRecording] = useState<Recording>();
  const [micError, setMicError] = useState<string>();
  const task = useTask<Transcript>();
  const clipUrl = useObjectUrl(clip?.audio);
  const file = useRef<HTMLInputElement>(null);
  // The recording under way, for leaving the page mid-recording: the microphone is let go.
  const live = useRef<Recording | undefined>(undefined);
  useEffect(() => () => live.current?.cancel(), []);

  const record = async () => {
    setMicError(undefined);
    try {
      live.current = await startRecording();
      setRecording(live.current);
    } catch (e) {
      setMicError(`The microphone is not available: ${(e as Error).message}`);
    }
  };
  const stop = async () => {
    const done = recording!;
    live.current = undefined;
    setRecording(undefined);
    try {
      setClip({ audio: await done.stop(), name: "recording.wav" });
      if (file.current) file.current.value = "";
    } catch (e) {
      setMicError(`The recording could not be read: ${(e as Error).message}`);
    }
  };

  return (
    <form
      class="tool"
      aria-labelledby="transcribe-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (clip) void task.run(() => transcribe(model, clip.audio));
      }}
    >
      <h2 id="transcribe-title">Speech to text</h2>
      <ModelSelect id="transcribe-model" label="Model" task={SPEECH_RECOGNITION} value={model} models={models} onChange={setModel} />
      <div class="actions">
        {recording ? (
          <button type="button" class="stop" onClick={() => void stop()}>
            Stop recording
          </button>
        ) : (
          <button type="button" onClick={() => void record()}>
            Record
          </button>
        )}
        {recording && (
          <span class="recording" role="status">
            Recording…
          </span>
        )}
      </div>
      <div class="field">
        <label for="transcribe-file">Or upload audio (WAV, MP3, FLAC, Ogg)</label>
        <input
          id="transcribe-file"
          ref={file}
          type="file"
          accept="audio/*"
          onChange={(e) => {
            const picked = e.currentTarget.files?.[0];
            setClip(picked && { audio: picked, name: picked.name });
          }}
        />
      </div>
      <PanelError error={micError} />
      {clip && clipUrl && (
        <div class="clip">
          <span class="hint">{clip.name}</span>
          <audio controls src={clipUrl} aria-label={`The clip to transcribe: ${clip.name}`} />
        </div>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={task.busy || !model || !clip || recording !== undefined}>
          {task.busy ? "Transcribing…" : "Transcribe"}
        </button>
      </div>
      <PanelError error={task.error} />
      {task.result && (
        <div class="result">
          <h3>Transcript</h3>
          <p class="model-text transcript-text">{task.result.text}</p>
          <Words transcript={task.result} />
          {task.result.vtt && (
            <a href={`data:text/vtt;charset=utf-8,${encodeURIComponent(task.result.vtt)}`} download="transcript.vtt">
              Download WebVTT
            </a>
          )}
        </div>
      )}
    </form>
  );
}
