import { OutpostError } from "../../contract/index.js";
import { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, SUPPORTED_FORMATS } from "./constants.js";

export type AudioFormat = "wav" | "mp3" | "flac" | "ogg";

/** What a compressed file's headers say, read before decoding (a 10 MiB FLAC of silence holds hours). */
export interface AudioHeader {
  format: AudioFormat;
  /** Length in seconds as the headers give it (for MP3, the sum of its frames' lengths). */
  seconds: number;
}

const invalid = (field: string, message: string) => new OutpostError("INPUT_INVALID", `Invalid input at '${field}': ${message}`);

/** The format from the file's first bytes; anything else is a 400 naming the supported formats. */
export function sniffFormat(bytes: Uint8Array, field: string): AudioFormat {
  const text = (at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));
  if (bytes.length === 0) throw invalid(field, "the audio is empty (0 bytes)");
  if (text(0, 4) === "RIFF" && text(8, 4) === "WAVE") return "wav";
  if (text(0, 4) === "fLaC") return "flac";
  if (text(0, 4) === "OggS") return "ogg";
  if (text(0, 3) === "ID3" || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0)) return "mp3";
  throw invalid(field, `not audio in a supported format; supported: ${SUPPORTED_FORMATS}`);
}

/** Length and sanity of a FLAC, Ogg or MP3 file from its headers alone. */
export function readHeader(bytes: Uint8Array, format: Exclude<AudioFormat, "wav">, field: string): AudioHeader {
  const seconds = format === "flac" ? flacSeconds(bytes, field) : format === "ogg" ? oggSeconds(bytes, field) : mp3Seconds(bytes, field);
  if (seconds <= 0) throw invalid(field, "the audio is empty (0 samples)");
  return { format, seconds };
}

function checkRate(rate: number, field: string): void {
  if (rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) throw invalid(field, `the sample rate ${rate} Hz is outside ${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz`);
}

/** FLAC's STREAMINFO block (always first): 20-bit sample rate and 36-bit total samples. */
function flacSeconds(bytes: Uint8Array, field: string): number {
  if (bytes.length < 42 || ((bytes[4] ?? 0) & 0x7f) !== 0) throw invalid(field, "corrupt FLAC header: no STREAMINFO block");
  const b = (i: number) => bytes[8 + i]!;
  const rate = (b(10) << 12) | (b(11) << 4) | (b(12) >> 4);
  checkRate(rate, field);
  const total = (b(13) & 0x0f) * 2 ** 32 + ((b(14) << 24) >>> 0) + (b(15) << 16) + (b(16) << 8) + b(17);
  if (total === 0) throw invalid(field, "a FLAC file without its length in STREAMINFO is not supported");
  return total / rate;
}

/** An Ogg Vorbis stream: the rate from its identification header, the length from the last page's granule position. */
function oggSeconds(bytes: Uint8Array, field: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 28) throw invalid(field, "corrupt Ogg header: the first page is cut short");
  const packet = 27 + bytes[26]!;
  const magic = String.fromCharCode(...bytes.subarray(packet, packet + 8));
  if (magic.startsWith("OpusHead")) throw invalid(field, `Ogg Opus is not supported; supported: ${SUPPORTED_FORMATS}`);
  if (magic.slice(0, 7) !== "\x01vorbis" || packet + 16 > bytes.length) throw invalid(field, "corrupt Ogg header: not a Vorbis stream");
  const rate = view.getUint32(packet + 12, true);
  checkRate(rate, field);
  for (let at = bytes.length - 27; at >= 0; at--) {
    if (bytes[at] === 0x4f && bytes[at + 1] === 0x67 && bytes[at + 2] === 0x67 && bytes[at + 3] === 0x53) {
      const granule = Number(view.getBigInt64(at + 6, true));
      if (granule > 0) return granule / rate;
    }
  }
  throw invalid(field, "corrupt Ogg stream: no page gives its length");
}

/** Kbit/s by bitrate index: MPEG-1 layers I–III, then MPEG-2/2.5 layer I and layers II/III. */
const BITRATES = [
  [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
];
const MP3_RATES = [44_100, 48_000, 32_000];

/**
 * Walks the MPEG audio frames, summing their durations: an MP3's length is in no header that
 * must be there (Xing/VBRI are optional). Bytes between frames (tags, junk) are skipped.
 */
function mp3Seconds(bytes: Uint8Array, field: string): number {
  let at = 0;
  if (String.fromCharCode(...bytes.subarray(0, 3)) === "ID3" && bytes.length >= 10) {
    at = 10 + (((bytes[6]! & 0x7f) << 21) | ((bytes[7]! & 0x7f) << 14) | ((bytes[8]! & 0x7f) << 7) | (bytes[9]! & 0x7f));
  }
  let seconds = 0;
  let frames = 0;
  while (at + 4 <= bytes.length) {
    const frame = mp3Frame(bytes, at);
    if (!frame) {
      at++;
      continue;
    }
    checkRate(frame.rate, field);
    seconds += frame.samples / frame.rate;
    frames++;
    at += frame.length;
  }
  if (frames === 0) throw invalid(field, "corrupt MP3: no MPEG audio frame found");
  return seconds;
}

function mp3Frame(bytes: Uint8Array, at: number): { length: number; samples: number; rate: number } | undefined {
  const [b0, b1, b2] = [bytes[at]!, bytes[at + 1]!, bytes[at + 2]!];
  if (b0 !== 0xff || (b1 & 0xe0) !== 0xe0) return undefined;
  const version = (b1 >> 3) & 3; // 0: MPEG-2.5, 2: MPEG-2, 3: MPEG-1
  const layer = 4 - ((b1 >> 1) & 3); // 1, 2 or 3
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  if (version === 1 || layer === 4 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const mpeg1 = version === 3;
  const kbps = BITRATES[mpeg1 ? layer - 1 : layer === 1 ? 3 : 4]![bitrateIndex]!;
  const rate = MP3_RATES[rateIndex]! / (mpeg1 ? 1 : version === 2 ? 2 : 4);
  const padding = (b2 >> 1) & 1;
  if (layer === 1) return { length: (Math.floor((12 * kbps * 1000) / rate) + padding) * 4, samples: 384, rate };
  const samples = layer === 3 && !mpeg1 ? 576 : 1152;
  return { length: Math.floor(((samples / 8) * kbps * 1000) / rate) + padding, samples, rate };
}
