import type { SpeechLanguage, SpeechVoice } from "../../contract/index.js";

/** espeak-ng's voice for each MeloTTS language (`espeak-ng --voices` names them). */
export const ESPEAK_VOICES: Record<SpeechLanguage, string> = {
  en: "en-us",
  es: "es",
  fr: "fr-fr",
  zh: "cmn",
  jp: "ja",
  kr: "ko",
};

/** OpenAI's speakers as espeak-ng variants (espeak-ng-data/voices/!v): male m1–m7, female f1–f4. */
export const ESPEAK_VARIANTS: Record<SpeechVoice, string> = {
  alloy: "m3",
  ash: "m7",
  ballad: "m5",
  coral: "f3",
  echo: "m2",
  fable: "m4",
  nova: "f2",
  onyx: "m6",
  sage: "f4",
  shimmer: "f1",
  verse: "m1",
};

/** espeak-ng's normal pace, in words per minute (its `-s` default). */
const NORMAL_WPM = 175;
/** espeak-ng's slowest pace; its fastest (with sonic) is far past 4 × normal. */
const MIN_WPM = 80;

/** `-s` for a speed factor: 1 is espeak-ng's normal 175 wpm; below 80 wpm (0.46) it cannot go. */
export function wordsPerMinute(speed: number): number {
  return Math.max(MIN_WPM, Math.round(NORMAL_WPM * speed));
}

/** `-v`: the language's voice, with the speaker's variant when one is asked for. */
export function espeakVoice(lang: SpeechLanguage, voice: SpeechVoice | undefined): string {
  return voice === undefined ? ESPEAK_VOICES[lang] : `${ESPEAK_VOICES[lang]}+${ESPEAK_VARIANTS[voice]}`;
}
