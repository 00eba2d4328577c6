import { OutpostError } from "../../contract/index.js";
import { MAX_AUDIO_SECONDS, MAX_CHANNELS, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from "./constants.js";

/** A decoded recording: one channel of samples in [-1, 1] at its own rate. */
export interface MonoAudio {
  samples: Float32Array;
  sampleRate: number;
}

const PCM = 1;
const FLOAT = 3;
const EXTENSIBLE = 0xfffe;

interface WavFormat {
  format: number;
  channels: number;
  sampleRate: number;
  bits: number;
  blockAlign: number;
}

/**
 * Decodes a RIFF WAVE file (PCM 8/16/24/32-bit, IEEE float 32/64, WAVE_FORMAT_EXTENSIBLE of
 * either) into mono by averaging its channels. Header faults, rates and lengths are checked
 * before any sample is converted. A data chunk claiming more than the file holds (what
 * streaming writers leave) is read up to the last whole frame.
 */
export function decodeWav(bytes: Uint8Array, field: string): MonoAudio {
  const invalid = (message: string) => new OutpostError("INPUT_INVALID", `Invalid input at '${field}': ${message}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") throw invalid("not a WAV file (no RIFF/WAVE header)");
  let format: WavFormat | undefined;
  let data: Uint8Array | undefined;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === "fmt ") {
      if (size < 16 || body + 16 > bytes.length) throw invalid("corrupt WAV header: the fmt chunk is cut short");
      format = readFormat(view, body, size);
    } else if (id === "data") {
      if (!format) throw invalid("corrupt WAV header: the data chunk comes before the fmt chunk");
      data = bytes.subarray(body, Math.min(bytes.length, body + size));
      break;
    }
    at = body + size + (size & 1);
  }
  if (!format) throw invalid("corrupt WAV header: no fmt chunk");
  if (!data) throw invalid("corrupt WAV header: no data chunk");
  const { channels, sampleRate, bits, blockAlign } = format;
  const kind = format.format === FLOAT ? "float" : format.format === PCM ? "pcm" : undefined;
  if (!kind) throw invalid(`WAV sample format ${format.format} is not supported (PCM and IEEE float are)`);
  if (channels < 1 || channels > MAX_CHANNELS) throw invalid(`corrupt WAV header: ${channels} channels (1–${MAX_CHANNELS} are supported)`);
  if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) throw invalid(`the sample rate ${sampleRate} Hz is outside ${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz`);
  const bitsOk = kind === "float" ? bits === 32 || bits === 64 : bits === 8 || bits === 16 || bits === 24 || bits === 32;
  if (!bitsOk) throw invalid(`${bits}-bit ${kind === "float" ? "float" : "PCM"} WAV is not supported`);
  const bytesPerSample = bits / 8;
  if (blockAlign !== bytesPerSample * channels) throw invalid(`corrupt WAV header: block align ${blockAlign} for ${channels} × ${bits}-bit samples`);
  const frames = Math.floor(data.length / blockAlign);
  if (frames === 0) throw invalid("the audio is empty (0 samples)");
  const seconds = frames / sampleRate;
  if (seconds > MAX_AUDIO_SECONDS) throw tooLong(field, seconds);
  const read = sampleReader(new DataView(data.buffer, data.byteOffset, data.byteLength), kind, bits);
  const samples = new Float32Array(frames);
  for (let frame = 0; frame < frames; frame++) {
    let sum = 0;
    for (let channel = 0; channel < channels; channel++) sum += read(frame * blockAlign + channel * bytesPerSample);
    samples[frame] = sum / channels;
  }
  return { samples, sampleRate };
}

/** INPUT_INVALID for audio over MAX_AUDIO_SECONDS, naming both. */
export function tooLong(field: string, seconds: number): OutpostError {
  return new OutpostError("INPUT_INVALID", `Invalid input at '${field}': the audio is ${Math.round(seconds)} s long, at most ${MAX_AUDIO_SECONDS} s are allowed`);
}

function readFormat(view: DataView, at: number, size: number): WavFormat {
  let format = view.getUint16(at, true);
  // WAVE_FORMAT_EXTENSIBLE names the real format in the first two bytes of its sub-format GUID.
  if (format === EXTENSIBLE && size >= 40 && at + 26 <= view.byteLength) format = view.getUint16(at + 24, true);
  return { format, channels: view.getUint16(at + 2, true), sampleRate: view.getUint32(at + 4, true), blockAlign: view.getUint16(at + 12, true), bits: view.getUint16(at + 14, true) };
}

function sampleReader(view: DataView, kind: "pcm" | "float", bits: number): (at: number) => number {
  if (kind === "float") return bits === 32 ? (at) => clamp(view.getFloat32(at, true)) : (at) => clamp(view.getFloat64(at, true));
  switch (bits) {
    case 8:
      return (at) => (view.getUint8(at) - 128) / 128;
    case 16:
      return (at) => view.getInt16(at, true) / 32_768;
    case 24:
      return (at) => ((view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16)) / 8_388_608);
    default:
      return (at) => view.getInt32(at, true) / 2_147_483_648;
  }
}

/** Float WAVs may carry NaN or values past full scale; whisper's mel spectrogram wants neither. */
function clamp(value: number): number {
  return Number.isNaN(value) ? 0 : Math.max(-1, Math.min(1, value));
}
