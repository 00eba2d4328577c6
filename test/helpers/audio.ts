import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** MPEG audio layer III bitrates (kbps) by header index: MPEG-1, then MPEG-2 and 2.5. */
const KBPS = { 1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320], 2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160] };
const SAMPLE_RATES = { 1: [44_100, 48_000, 32_000], 2: [22_050, 24_000, 16_000], 2.5: [11_025, 12_000, 8_000] };

/** Walks every frame of an MP3 (layer III, no ID3 tag) and answers its length: a file that is not one fails the walk. */
export function mp3Duration(bytes: Uint8Array): { seconds: number; frames: number; sampleRate: number } {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  let frames = 0;
  let samples = 0;
  let sampleRate = 0;
  while (at < view.length) {
    assert.ok(at + 4 <= view.length, `a truncated frame header at byte ${at}`);
    const header = view.readUInt32BE(at);
    assert.equal(header >>> 21, 0x7ff, `no frame sync at byte ${at}`);
    const versionBits = (header >>> 19) & 3;
    assert.notEqual(versionBits, 1, "reserved MPEG version");
    const version = versionBits === 3 ? 1 : versionBits === 2 ? 2 : 2.5;
    assert.equal((header >>> 17) & 3, 1, "layer III");
    const kbps = KBPS[version === 1 ? 1 : 2][(header >>> 12) & 15];
    const rate = SAMPLE_RATES[version][(header >>> 10) & 3];
    assert.ok(kbps && rate, `a bad bitrate or sample rate index at byte ${at}`);
    const perFrame = version === 1 ? 1152 : 576;
    at += Math.floor(((perFrame / 8) * kbps * 1000) / rate) + ((header >>> 9) & 1);
    frames += 1;
    samples += perFrame;
    sampleRate = rate;
  }
  assert.equal(at, view.length, "the last frame ends at the end of the file");
  return { seconds: samples / sampleRate, frames, sampleRate };
}

/** Reads a PCM WAV file's header, checking that its sizes add up, and answers its length. */
export function wavDuration(bytes: Uint8Array): { seconds: number; sampleRate: number } {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(view.toString("latin1", 0, 4), "RIFF");
  assert.equal(view.toString("latin1", 8, 16), "WAVEfmt ");
  assert.equal(view.readUInt32LE(4), view.length - 8, "RIFF size");
  assert.equal(view.readUInt16LE(20), 1, "PCM");
  const channels = view.readUInt16LE(22);
  const sampleRate = view.readUInt32LE(24);
  const bits = view.readUInt16LE(34);
  assert.equal(view.toString("latin1", 36, 40), "data");
  const dataBytes = view.readUInt32LE(40);
  assert.equal(dataBytes, view.length - 44, "data size");
  return { seconds: dataBytes / (channels * (bits / 8) * sampleRate), sampleRate };
}

/** A PCM WAV file of `samples` (in [-1, 1]) for tests: `bits` 8/16/24/32, or 32-bit float with `float`. */
export function wavFile(samples: Float32Array, sampleRate: number, options: { bits?: number; float?: boolean; channels?: number } = {}): Buffer {
  const bits = options.float ? 32 : (options.bits ?? 16);
  const channels = options.channels ?? 1;
  const bytes = bits / 8;
  const data = Buffer.alloc(samples.length * bytes * channels);
  samples.forEach((value, i) => {
    for (let c = 0; c < channels; c++) {
      const at = (i * channels + c) * bytes;
      if (options.float) data.writeFloatLE(value, at);
      else if (bits === 8) data.writeUInt8(Math.round(value * 127) + 128, at);
      else if (bits === 16) data.writeInt16LE(Math.round(value * 32_767), at);
      else if (bits === 24) data.writeIntLE(Math.round(value * 8_388_607), at, 3);
      else data.writeInt32LE(Math.round(value * 2_147_483_647), at);
    }
  });
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(options.float ? 3 : 1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * bytes * channels, 28);
  header.writeUInt16LE(bytes * channels, 32);
  header.writeUInt16LE(bits, 34);
  header.write("data", 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** `seconds` of a sine at `hz`, amplitude 0.5. */
export function tone(seconds: number, sampleRate: number, hz = 440): Float32Array {
  return Float32Array.from({ length: Math.round(seconds * sampleRate) }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / sampleRate));
}

/**
 * `frames` silent MPEG frames: MPEG-1 layer III 128 kbit/s 44.1 kHz mono (26 ms each), or with
 * `long` MPEG-2.5 8 kbit/s 8 kHz (72 ms in 72 bytes: two hours fit in 7 MB).
 */
export function silentMp3(frames: number, long = false): Buffer {
  const frame = Buffer.alloc(long ? 72 : 417);
  frame.set(long ? [0xff, 0xe3, 0x18, 0xc0] : [0xff, 0xfb, 0x90, 0xc0]);
  return Buffer.concat(Array.from({ length: frames }, () => frame));
}

/** Speech from espeak-ng (Debian's `espeak-ng`), as a 22.05 kHz 16-bit mono WAV. */
export function speech(text: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "outpost-speech-"));
  try {
    execFileSync("espeak-ng", ["-w", join(dir, "speech.wav"), text]);
    return readFileSync(join(dir, "speech.wav"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** espeak-ng reading `sentences` numbered sentences, about 4.1 s each: 17 make 70 s, three of whisper's 30 s windows. */
export function longSpeech(sentences: number): Buffer {
  return speech(Array.from({ length: sentences }, (_, i) => `Sentence number ${i + 1} of a long recording, read slowly past one window.`).join(" "));
}

/** CRC-8 (poly 0x07) of a FLAC frame header, CRC-16 (poly 0x8005) of a whole frame. */
function flacCrc(bytes: Uint8Array, bits: 8 | 16): number {
  const poly = bits === 8 ? 0x07 : 0x8005;
  const top = 1 << (bits - 1);
  const mask = (1 << bits) - 1;
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << (bits - 8);
    for (let k = 0; k < 8; k++) crc = crc & top ? ((crc << 1) ^ poly) & mask : (crc << 1) & mask;
  }
  return crc;
}

/**
 * A real FLAC file of 16-bit mono `samples` (in [-1, 1]): STREAMINFO, then frames of 4096
 * samples stored VERBATIM, with their CRCs. No encoder is installed here; a decoder must read it.
 */
export function flacFile(samples: Float32Array, sampleRate: number): Buffer {
  const BLOCK = 4096;
  const info = Buffer.alloc(34);
  info.writeUInt16BE(BLOCK, 0);
  info.writeUInt16BE(BLOCK, 2);
  // 20-bit rate, 3-bit channels − 1 (0), 5-bit bits − 1 (15), 36-bit total samples.
  info.writeUInt32BE(((sampleRate << 12) | (15 << 4) | Math.floor(samples.length / 2 ** 32)) >>> 0, 10);
  info.writeUInt32BE(samples.length % 2 ** 32, 14);
  const frames: Buffer[] = [];
  for (let start = 0, index = 0; start < samples.length; start += BLOCK, index++) {
    // A frame number past 127 takes a multi-byte UTF-8-style code, which this writer does not do.
    if (index > 127) throw new Error("flacFile writes at most 128 frames (524,288 samples)");
    const block = samples.subarray(start, start + BLOCK);
    // Block size: 16-bit (n − 1) after the header; rate from STREAMINFO; mono; 16-bit samples; frame number < 128.
    const header = Buffer.from([0xff, 0xf8, 0x70, 0x08, index, (block.length - 1) >> 8, (block.length - 1) & 0xff]);
    const body = Buffer.alloc(1 + block.length * 2);
    body[0] = 0x02; // VERBATIM subframe, no wasted bits
    block.forEach((v, i) => body.writeInt16BE(Math.round(Math.max(-1, Math.min(1, v)) * 32_767), 1 + i * 2));
    const frame = Buffer.concat([header, Buffer.from([flacCrc(header, 8)]), body]);
    const crc = Buffer.alloc(2);
    crc.writeUInt16BE(flacCrc(frame, 16));
    frames.push(frame, crc);
  }
  return Buffer.concat([Buffer.from("fLaC"), Buffer.from([0x80, 0, 0, 34]), info, ...frames]);
}

/**
 * What Debian's ffprobe, an independent decoder, reads from `bytes`: the stream's codec, rate,
 * channels, and its duration from the packets themselves (a FLAC written to a pipe may leave
 * its header's total unknown). A file that is not the format throws.
 */
export function probeAudio(bytes: Uint8Array, inputFormat: string[] = []): { codec: string; sampleRate: number; channels: number; seconds: number } {
  const dir = mkdtempSync(join(tmpdir(), "outpost-probe-"));
  try {
    const file = join(dir, "audio");
    writeFileSync(file, bytes);
    const args = ["-v", "error", ...inputFormat, "-show_entries", "stream=codec_name,sample_rate,channels:packet=pts_time,duration_time", "-of", "json", file];
    const probed = JSON.parse(execFileSync("ffprobe", args, { encoding: "utf8" })) as {
      streams: { codec_name: string; sample_rate: string; channels: number }[];
      packets: { pts_time?: string; duration_time?: string }[];
    };
    const [stream] = probed.streams;
    assert.ok(stream, "ffprobe found an audio stream");
    const seconds = Math.max(0, ...probed.packets.map((p) => Number(p.pts_time ?? 0) + Number(p.duration_time ?? 0)));
    return { codec: stream.codec_name, sampleRate: Number(stream.sample_rate), channels: stream.channels, seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
