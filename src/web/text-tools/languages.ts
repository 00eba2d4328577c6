/**
 * The 100 languages M2M100 translates, by the codes of its tokenizer's `__xx__` tokens: the
 * codes the server takes for `source_lang` and `target_lang` (the dashboard shares no code
 * with the server; languages.test.ts checks the two lists agree).
 */
export const M2M100_CODES: readonly string[] = (
  "af am ar ast az ba be bg bn br bs ca ceb cs cy da de el en es et fa ff fi fr fy ga gd gl gu ha he hi hr ht hu hy id ig ilo is it ja jv ka kk km kn ko " +
  "lb lg ln lo lt lv mg mk ml mn mr ms my ne nl no ns oc or pa pl ps pt ro ru sd si sk sl so sq sr ss su sv sw ta th tl tn tr uk ur uz vi wo xh yi yo zh zu"
).split(" ");

/** The codes with their English names ("French (fr)"), by name; a code the browser cannot name stands alone. */
export function languageChoices(codes: readonly string[] = M2M100_CODES): { code: string; name: string }[] {
  const names = new Intl.DisplayNames(["en"], { type: "language", fallback: "none" });
  return codes
    .map((code) => {
      const name = names.of(code);
      return { code, name: name && name !== code ? `${name} (${code})` : code };
    })
    .sort((a, b) => a.name.localeCompare(b.name, "en"));
}
