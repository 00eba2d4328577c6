import { OutpostError } from "../../contract/index.js";
import { readHeader, sniffFormat } from "./audio-format.js";
import { MAX_AUDIO_SECONDS, WHISPER_SAMPLE_RATE } from "./constants.js";
import { resample } from "./resample.js";
import { decodeWav, tooLong } from "./wav.js";

/** Decodes a compressed file to 16 kHz mono (whisper's `decodeAudio`, Symphonia); throws on a file it cannot read. */
export type CompressedDecoder = (bytes: Uint8Array, fileName: string) => Float32Array;

/**
 * The caller's audio file as whisper hears it: 16 kHz mono float samples. WAV is decoded and
 * resampled here; MP3, FLAC and Ogg Vorbis go to `decodeCompressed` once their headers have
 * shown a sane rate and a length within MAX_AUDIO_SECONDS, so no file is decoded only to be
 * refused for its length.
 */
export function decodeToWhisperInput(bytes: Uint8Array, field: string, decodeCompressed: CompressedDecoder): Float32Array {
  const format = sniffFormat(bytes, field);
  if (format === "wav") {
    const { samples, sampleRate } = decodeWav(bytes, field);
    return resample(samples, sampleRate, WHISPER_SAMPLE_RATE);
  }
  const { seconds } = readHeader(bytes, format, field);
  if (seconds > MAX_AUDIO_SECONDS) throw tooLong(field, seconds);
  let samples: Float32Array;
  try {
    samples = decodeCompressed(bytes, `audio.${format}`);
  } catch (error) {
    throw new OutpostError("INPUT_INVALID", `Invalid input at '${field}': corrupt ${format.toUpperCase()} audio (${(error as Error).message})`, { cause: error });
  }
  // Its headers promised samples (readHeader refuses none): a decoder that finds none found only damaged frames.
  if (samples.length === 0) throw new OutpostError("INPUT_INVALID", `Invalid input at '${field}': corrupt ${format.toUpperCase()} audio (no frame could be decoded)`);
  // Headers can lie (a VBR file's frames, a granule position): the decoded length is the truth.
  if (samples.length / WHISPER_SAMPLE_RATE > MAX_AUDIO_SECONDS) throw tooLong(field, samples.length / WHISPER_SAMPLE_RATE);
  return samples;
}
