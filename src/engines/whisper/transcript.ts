import type { TranscriptSegment, TranscriptWord } from "../../contract/index.js";

/** What whisper.cpp gave for one window: its pieces (words, with `maxLen` 1), times in centiseconds from the window's start. */
export interface WindowOutput {
  offsetS: number;
  durationS: number;
  pieces: { text: string; start: number; end: number }[];
}

/** A word that ends a sentence closes its segment. */
const SENTENCE_END = /[.!?。！？]["')\]]*$/;

/**
 * Words with times in seconds from the start of the audio, and segments grouped from them.
 * whisper.cpp's timestamps can run past the audio (a window is padded to 30 s) and, from a
 * weak model, backwards; here every time is clamped into its window and the audio, and made
 * monotonic, so `start <= end <= next start <= durationS` holds for any model.
 */
export function buildSegments(windows: WindowOutput[], durationS: number): TranscriptSegment[] {
  const segments: TranscriptSegment[] = [];
  let clock = 0;
  for (const window of windows) {
    const windowEnd = Math.min(durationS, window.offsetS + window.durationS);
    let current: TranscriptWord[] = [];
    const close = () => {
      if (current.length > 0) segments.push({ start: current[0]!.start, end: current.at(-1)!.end, text: current.map((w) => w.word).join(" "), words: current });
      current = [];
    };
    for (const piece of window.pieces) {
      const word = piece.text.trim();
      if (!word) continue;
      const start = Math.min(windowEnd, Math.max(clock, window.offsetS + piece.start / 100));
      const end = Math.min(windowEnd, Math.max(start, window.offsetS + piece.end / 100));
      current.push({ word, start: round(start), end: round(end) });
      clock = end;
      if (SENTENCE_END.test(word)) close();
    }
    close();
  }
  return segments;
}

/** Milliseconds are as fine as whisper's 10 ms steps need; rounded down, so no time passes the audio's end. */
function round(seconds: number): number {
  return Math.floor(seconds * 1000) / 1000;
}
