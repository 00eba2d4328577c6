/** The 100 languages of M2M100, by the codes its tokenizer's `__xx__` tokens use. */
export const M2M100_LANGUAGES: ReadonlySet<string> = new Set(
  ("af am ar ast az ba be bg bn br bs ca ceb cs cy da de el en es et fa ff fi fr fy ga gd gl gu ha he hi hr ht hu hy id ig ilo is it ja jv ka kk km kn ko " +
    "lb lg ln lo lt lv mg mk ml mn mr ms my ne nl no ns oc or pa pl ps pt ro ru sd si sk sl so sq sr ss su sv sw ta th tl tn tr uk ur uz vi wo xh yi yo zh zu").split(" "),
);

/** Names Workers AI's docs and launch blog use for languages (`"french"`), as codes. */
const LANGUAGE_NAMES: Record<string, string> = {
  english: "en",
  chinese: "zh",
  french: "fr",
  spanish: "es",
  arabic: "ar",
  russian: "ru",
  german: "de",
  japanese: "ja",
  portuguese: "pt",
  hindi: "hi",
  italian: "it",
  korean: "ko",
  dutch: "nl",
  turkish: "tr",
  polish: "pl",
  ukrainian: "uk",
  vietnamese: "vi",
  indonesian: "id",
  swedish: "sv",
  greek: "el",
  hebrew: "he",
};

/** The M2M100 code for a code or a language name (any case), or undefined for an unknown one. */
export function languageCode(value: string): string | undefined {
  const key = value.trim().toLowerCase();
  if (M2M100_LANGUAGES.has(key)) return key;
  return LANGUAGE_NAMES[key];
}
