/**
 * An Outpost plugin: ends a generated answer, streamed or not, as soon as it writes one of the
 * words in STOP_WORDS (comma-separated, case-insensitive, matched at the start of a word), so
 * the client never receives that word. The answer ends normally (finish reason "stop").
 *
 *   STOP_WORDS=dragon,sword outpost serve --plugin examples/plugins/word-stopper.mjs
 *
 * A word split over tokens ("dra" + "gon") is caught on its last piece; its first pieces were
 * already sent.
 */
import process from "node:process";

const WORDS = (process.env.STOP_WORDS ?? "")
  .split(",")
  .map((word) => word.trim().toLowerCase())
  .filter(Boolean);
const LONGEST = Math.max(0, ...WORDS.map((word) => word.length));
const escape = (word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const MATCH = WORDS.length > 0 ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${WORDS.map(escape).join("|")})`, "giu") : undefined;

export function onToken(ctx, token) {
  if (!MATCH) return undefined;
  // Only the text that could hold a word ending in this token is searched: the tail of what came before, then the token.
  const tail = ctx.state.tail ?? "";
  const text = tail + token;
  ctx.state.tail = text.slice(-LONGEST);
  for (const match of text.matchAll(MATCH)) {
    if (match.index + match[0].length > tail.length) return { stop: true };
  }
  return undefined;
}
