import type { TranscriptSegment, TranscriptWord } from "../contract/index.js";

/** `HH:MM:SS.mmm` (WebVTT) or `HH:MM:SS,mmm` (SubRip). */
function timestamp(seconds: number, separator: "." | ","): string {
  const ms = Math.round(seconds * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${separator}${pad(ms % 1000, 3)}`;
}

/** A WebVTT document with one cue per segment. */
export function toVtt(segments: TranscriptSegment[]): string {
  const cues = segments.map((s) => `${timestamp(s.start, ".")} --> ${timestamp(s.end, ".")}\n${s.text}\n`);
  return ["WEBVTT\n", ...cues].join("\n");
}

/** A SubRip document with one numbered cue per segment. */
export function toSrt(segments: TranscriptSegment[]): string {
  return segments.map((s, i) => `${i + 1}\n${timestamp(s.start, ",")} --> ${timestamp(s.end, ",")}\n${s.text}\n`).join("\n");
}

/** A word that ends a sentence closes its segment (the whisper engine groups its segments the same way). */
const SENTENCE_END = /[.!?。！？]["')\]]*$/;

/** Words grouped into sentence segments: for answers that carry words only (`@cf/openai/whisper`'s). */
export function sentences(words: TranscriptWord[]): TranscriptSegment[] {
  const segments: TranscriptSegment[] = [];
  let current: TranscriptWord[] = [];
  for (const word of words) {
    current.push(word);
    if (SENTENCE_END.test(word.word) || word === words.at(-1)) {
      segments.push({ start: current[0]!.start, end: word.end, text: current.map((w) => w.word).join(" "), words: current });
      current = [];
    }
  }
  return segments;
}
