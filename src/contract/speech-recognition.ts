/** What the speech-recognition task and the whisper engine need to know of a model, from its catalog entry. */
export interface SpeechRecognitionSettings {
  /**
   * The answer's shape: `words` is `@cf/openai/whisper`'s `{text, word_count, words, vtt}`;
   * `segments` is `whisper-large-v3-turbo`'s `{transcription_info, text, word_count, segments, vtt}`,
   * which also takes `task`, `language`, `initial_prompt` and `vad_filter`.
   */
  output: "words" | "segments";
}

/**
 * The whisper engine's job, built by tasks/speech-recognition.ts. The audio travels as base64
 * of the caller's file: it is decoded (with a duration limit) in the runner, so a hostile file
 * can cost only the runner.
 */
export interface TranscriptionJob {
  audio: string;
  /** `translate` gives English text from speech in any language (multilingual models only). */
  task: "transcribe" | "translate";
  /** ISO 639-1 code of the speech; absent: the model detects it. */
  language?: string;
  /** Text the decoder sees as what came before: names, spelling, style. */
  initialPrompt?: string;
  /** Where the audio was in the request, for error messages (`/audio`). */
  field: string;
  /** The answer's shape, for the task's shape(); the engine answers the same Transcript for both. */
  output: SpeechRecognitionSettings["output"];
  /**
   * Stream the transcript: the engine answers events instead of a Transcript, a `token` with each
   * 30 s window's text as the window is transcribed (after the first, led by a space, so the
   * tokens join into the `text` a JSON answer has), then `done`.
   */
  stream?: true;
}

/** One word and when it is spoken, in seconds from the start of the audio. */
export interface TranscriptWord {
  word: string;
  start: number;
  end: number;
}

export interface TranscriptSegment {
  start: number;
  end: number;
  text: string;
  words: TranscriptWord[];
}

/** The whisper engine's answer: times are seconds, monotonic, within `durationS`. */
export interface Transcript {
  text: string;
  /** ISO 639-1 code of the language transcribed (detected or as asked). */
  language: string;
  durationS: number;
  segments: TranscriptSegment[];
}
