/** The languages MeloTTS speaks, by the codes Workers AI's `lang` takes for `@cf/myshell-ai/melotts`. */
export const SPEECH_LANGUAGES = ["en", "es", "fr", "zh", "jp", "kr"] as const;
export type SpeechLanguage = (typeof SPEECH_LANGUAGES)[number];

/**
 * Speakers a request may name: OpenAI's `/v1/audio/speech` voices, so its clients work
 * unchanged. Each engine maps them onto speakers of its own.
 */
export const SPEECH_VOICES = ["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"] as const;
export type SpeechVoice = (typeof SPEECH_VOICES)[number];

/** Encodings a speech engine writes: MP3 (Workers AI's) or WAV (16-bit PCM, OpenAI's `wav`). */
export type SpeechFormat = "mp3" | "wav";

/** A speech engine's job, built by tasks/text-to-speech.ts. Plain JSON, as every engine job is. */
export interface SpeechJob {
  /** What to say; at least one character that is not white space. */
  text: string;
  lang: SpeechLanguage;
  /** The speaker, or undefined for the model's default one. */
  voice?: SpeechVoice;
  /** Speaking rate: 1 is the model's normal pace, 2 twice as fast. */
  speed: number;
  format: SpeechFormat;
}
