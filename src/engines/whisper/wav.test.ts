import assert from "node:assert/strict";
import { test } from "node:test";
import { OutpostError } from "../../contract/index.js";
import { decodeAudio } from "@napi-rs/whisper";
import { flacFile, silentMp3, tone, wavFile } from "../../../test/helpers/audio.js";
import { decodeToWhisperInput } from "./audio.js";
import { readHeader, sniffFormat } from "./audio-format.js";
import { resample } from "./resample.js";
import { decodeWav } from "./wav.js";

const invalid = (pattern: RegExp) => (e: unknown) => e instanceof OutpostError && e.code === "INPUT_INVALID" && pattern.test(e.message);
const noDecoder = () => assert.fail("the compressed decoder must not be called");

test("PCM 8/16/24/32-bit and float WAVs decode to the same mono signal", () => {
  const signal = tone(0.1, 8_000);
  for (const options of [{ bits: 8 }, { bits: 16 }, { bits: 24 }, { bits: 32 }, { bits: 32, float: true }, { bits: 16, channels: 2 }]) {
    const { samples, sampleRate } = decodeWav(wavFile(signal, 8_000, options), "/audio");
    assert.equal(sampleRate, 8_000);
    assert.equal(samples.length, signal.length);
    const tolerance = options.bits === 8 ? 1 / 64 : 1e-4;
    signal.forEach((v, i) => assert.ok(Math.abs(samples[i]! - v) < tolerance, `${JSON.stringify(options)} sample ${i}`));
  }
});

test("bad WAVs are a 400 naming the fault", () => {
  const good = wavFile(tone(0.1, 16_000), 16_000);
  const at = (write: (b: Buffer) => void) => {
    const b = Buffer.from(good);
    write(b);
    return b;
  };
  assert.throws(() => decodeWav(good.subarray(0, 44), "/audio"), invalid(/^Invalid input at '\/audio': the audio is empty/));
  assert.throws(() => decodeWav(good.subarray(0, 30), "/audio"), invalid(/corrupt WAV header/));
  assert.throws(() => decodeWav(at((b) => b.writeUInt32LE(1, 24)), "/audio"), invalid(/sample rate 1 Hz is outside/));
  assert.throws(() => decodeWav(at((b) => b.writeUInt32LE(4_000_000_000, 24)), "/audio"), invalid(/sample rate 4000000000 Hz/));
  assert.throws(() => decodeWav(at((b) => b.writeUInt16LE(0, 22)), "/audio"), invalid(/0 channels/));
  assert.throws(() => decodeWav(at((b) => b.writeUInt16LE(12, 34)), "/audio"), invalid(/12-bit PCM WAV is not supported/));
  assert.throws(() => decodeWav(at((b) => b.writeUInt16LE(2, 20)), "/audio"), invalid(/sample format 2 is not supported/));
  assert.throws(() => decodeWav(at((b) => b.write("junk", 12)), "/audio"), invalid(/corrupt WAV header: the data chunk comes before the fmt chunk/));
});

test("a WAV longer than the limit is refused from its header, before decoding", () => {
  // 8 kHz 8-bit: 31 minutes would be 15 MB of data; the header alone claims it, the data is cut.
  const header = wavFile(tone(0.01, 8_000), 8_000, { bits: 8 });
  header.writeUInt32LE(31 * 60 * 8_000, 40);
  const claimed = Buffer.concat([header, Buffer.alloc(31 * 60 * 8_000 - 80)]);
  assert.throws(() => decodeWav(claimed, "/audio"), invalid(/the audio is 1860 s long, at most 1800 s/));
});

test("resampling keeps a tone's level and length, and filters what the new rate cannot hold", () => {
  const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
  const kept = resample(tone(1, 48_000, 440), 48_000, 16_000);
  assert.equal(kept.length, 16_000);
  assert.ok(Math.abs(rms(kept.subarray(100, -100)) - 0.5 / Math.SQRT2) < 0.01);
  const aliased = resample(tone(1, 48_000, 12_000), 48_000, 16_000);
  assert.ok(rms(aliased.subarray(100, -100)) < 0.02, "12 kHz is above 16 kHz's Nyquist and must not fold back");
  assert.equal(resample(tone(1, 8_000), 8_000, 16_000).length, 16_000);
});

test("formats are told by their first bytes; anything else names the supported formats", () => {
  assert.equal(sniffFormat(wavFile(tone(0.01, 16_000), 16_000), "/audio"), "wav");
  assert.equal(sniffFormat(silentMp3(2), "/audio"), "mp3");
  assert.throws(() => sniffFormat(Buffer.from("this is not audio at all"), "/audio"), invalid(/not audio in a supported format; supported: WAV .*MP3, FLAC and Ogg Vorbis/));
  assert.throws(() => sniffFormat(Buffer.alloc(0), "/audio"), invalid(/the audio is empty \(0 bytes\)/));
});

test("an MP3's length is the sum of its frames; two hours in 7 MB are refused without decoding", () => {
  assert.ok(Math.abs(readHeader(silentMp3(100), "mp3", "/audio").seconds - (100 * 1152) / 44_100) < 1e-9);
  const twoHours = silentMp3(Math.ceil(7_200 / 0.072), true);
  assert.ok(twoHours.length < 8_000_000);
  assert.throws(() => decodeToWhisperInput(twoHours, "/audio", noDecoder), invalid(/the audio is 7200 s long, at most 1800 s/));
  assert.throws(() => readHeader(Buffer.from([0xff, 0xfb, 0x00, 0x00, 1, 2]), "mp3", "/audio"), invalid(/corrupt MP3/));
});

test("FLAC and Ogg headers give rate and length; absurd or missing ones are refused", () => {
  const flac = Buffer.alloc(42);
  flac.write("fLaC", 0);
  flac[4] = 0x80;
  flac.writeUIntBE(34, 5, 3);
  const streaminfo = (rate: number, total: number) => {
    const b = Buffer.from(flac);
    b[18] = rate >> 12;
    b[19] = (rate >> 4) & 0xff;
    b[20] = ((rate & 0xf) << 4) | (1 << 1);
    b[21] = (15 << 4) | Math.floor(total / 2 ** 32);
    b.writeUInt32BE(total % 2 ** 32, 22);
    return b;
  };
  assert.equal(readHeader(streaminfo(44_100, 441_000), "flac", "/audio").seconds, 10);
  assert.throws(() => decodeToWhisperInput(streaminfo(16_000, 16_000 * 7_200), "/audio", noDecoder), invalid(/7200 s long/));
  assert.throws(() => readHeader(streaminfo(1, 10), "flac", "/audio"), invalid(/sample rate 1 Hz/));
  assert.throws(() => readHeader(streaminfo(16_000, 0), "flac", "/audio"), invalid(/without its length/));
  const opus = Buffer.concat([Buffer.from("OggS"), Buffer.alloc(22), Buffer.from([1, 19]), Buffer.from("OpusHead"), Buffer.alloc(11)]);
  assert.throws(() => readHeader(opus, "ogg", "/audio"), invalid(/Ogg Opus is not supported/));
});

test("WAV decodes to 16 kHz; a decoder failure on a compressed file is a 400 naming the format", () => {
  const samples = decodeToWhisperInput(wavFile(tone(0.5, 44_100), 44_100), "/audio", noDecoder);
  assert.equal(samples.length, 8_000);
  const failing = () => {
    throw new Error("end of stream");
  };
  assert.throws(() => decodeToWhisperInput(silentMp3(3), "/audio", failing), invalid(/^Invalid input at '\/audio': corrupt MP3 audio \(end of stream\)/));
});

test("a real FLAC decodes to 16 kHz through Symphonia; damaged ones are a 400 naming FLAC", () => {
  const flac = flacFile(tone(2, 22_050), 22_050);
  const samples = decodeToWhisperInput(flac, "/audio", decodeAudio);
  assert.ok(Math.abs(samples.length - 32_000) < 320, `${samples.length} samples`);
  assert.ok(Math.abs(Math.max(...samples.subarray(1_000, 2_000)) - 0.5) < 0.01, "the tone's level survives");
  assert.throws(() => decodeToWhisperInput(flac.subarray(0, 42), "/audio", decodeAudio), invalid(/^Invalid input at '\/audio': corrupt FLAC audio \(/));
  const garbled = Buffer.concat([flac.subarray(0, 60), Buffer.alloc(flac.length - 60, 0x5a)]);
  assert.throws(() => decodeToWhisperInput(garbled, "/audio", decodeAudio), invalid(/corrupt FLAC audio \(no frame could be decoded\)/));
});
