/** The languages MeloTTS speaks, by the codes Workers AI's `lang` takes for `@cf/myshell-ai/melotts`. */
export const SPEECH_LANGUAGES = ["en", "es", "fr", "zh", "jp", "kr"] as const;
export type SpeechLanguage = (typeof SPEECH_LANGUAGES)[number];

/**
 * Speakers a request may name: OpenAI's `/v1/audio/speech` voices, so its clients work
 * unchanged. Each engine maps them onto speakers of its own.
 */
export const SPEECH_VOICES = ["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"] as const;
export type SpeechVoice = (typeof SPEECH_VOICES)[number];

/**
 * Encodings a speech engine writes, by OpenAI's `response_format` names, with the content type
 * each is sent as. MP3 is Workers AI's; `pcm` is OpenAI's raw 24 kHz 16-bit little-endian
 * mono, `opus` an Ogg Opus file, `aac` an ADTS stream.
 */
export const SPEECH_FORMATS = {
  mp3: "audio/mpeg",
  wav: "audio/wav",
  pcm: "audio/pcm",
  flac: "audio/flac",
  opus: "audio/opus",
  aac: "audio/aac",
} as const;
export type SpeechFormat = keyof typeof SPEECH_FORMATS;

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
