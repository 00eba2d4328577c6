import { OutpostError } from "../../contract/index.js";

/** The canonical 44-byte header of a PCM WAV file: RIFF, a 16-byte `fmt ` chunk, then `data`. */
export const WAV_HEADER_BYTES = 44;

/** 16-bit mono PCM samples and their rate. */
export interface Pcm {
  sampleRate: number;
  samples: Uint8Array;
}

/**
 * The samples of espeak-ng's `--stdout` WAV. Written to a pipe, its sizes are placeholders
 * (0x7ffff024: it cannot seek back), so they are not trusted: the samples are whatever follows the header.
 */
export function readEspeakWav(bytes: Buffer): Pcm {
  // No speakable text (only punctuation, say) gives no output at all: that is silence, not an error.
  if (bytes.length === 0) return { sampleRate: 22_050, samples: new Uint8Array(0) };
  const tag = (at: number) => bytes.toString("latin1", at, at + 4);
  if (bytes.length < WAV_HEADER_BYTES || tag(0) !== "RIFF" || tag(8) !== "WAVE" || tag(12) !== "fmt " || tag(36) !== "data") {
    throw new OutpostError("INTERNAL", "espeak-ng wrote something that is not a WAV file");
  }
  const format = bytes.readUInt16LE(20);
  const channels = bytes.readUInt16LE(22);
  const bits = bytes.readUInt16LE(34);
  if (format !== 1 || channels !== 1 || bits !== 16) throw new OutpostError("INTERNAL", `espeak-ng wrote ${channels}-channel ${bits}-bit audio (format ${format}), not 16-bit mono PCM`);
  const body = bytes.subarray(WAV_HEADER_BYTES);
  // A sample is two bytes; an odd trailing byte would shift every sample after it in a player.
  return { sampleRate: bytes.readUInt32LE(24), samples: body.subarray(0, body.length - (body.length % 2)) };
}

/** A WAV file of `pcm` with its real sizes, which any player and decoder reads. */
export function writeWav(pcm: Pcm): Buffer {
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(WAV_HEADER_BYTES - 8 + pcm.samples.length, 4);
  header.write("WAVEfmt ", 8, "latin1");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(pcm.sampleRate, 24);
  header.writeUInt32LE(pcm.sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "latin1");
  header.writeUInt32LE(pcm.samples.length, 40);
  return Buffer.concat([header, pcm.samples]);
}
