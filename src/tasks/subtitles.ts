import type { TranscriptSegment } from "../contract/index.js";

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
