import assert from "node:assert/strict";

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
