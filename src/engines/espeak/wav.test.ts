import assert from "node:assert/strict";
import { test } from "node:test";
import { readEspeakWav, WAV_HEADER_BYTES, writeWav } from "./wav.js";

/** A header as espeak-ng writes it to a pipe: placeholder sizes, 22 050 Hz 16-bit mono. */
function espeakHeader(): Buffer {
  const header = writeWav({ sampleRate: 22_050, samples: new Uint8Array(0) });
  header.writeUInt32LE(0x7ffff024, 4);
  header.writeUInt32LE(0x7ffff000, 40);
  return header;
}

test("espeak's placeholder sizes are ignored; the samples are what follows the header", () => {
  const samples = Buffer.from([1, 0, 2, 0, 3, 0, 9]);
  const pcm = readEspeakWav(Buffer.concat([espeakHeader(), samples]));
  assert.equal(pcm.sampleRate, 22_050);
  assert.deepEqual([...pcm.samples], [1, 0, 2, 0, 3, 0], "an odd trailing byte is dropped");
});

test("the WAV written carries the real sizes", () => {
  const wav = writeWav({ sampleRate: 22_050, samples: new Uint8Array(10) });
  assert.equal(wav.length, WAV_HEADER_BYTES + 10);
  assert.equal(wav.readUInt32LE(4), wav.length - 8);
  assert.equal(wav.readUInt32LE(40), 10);
  assert.equal(wav.readUInt32LE(28), 44_100, "byte rate");
});

test("no output is silence; anything but 16-bit mono PCM WAV is an error", () => {
  assert.equal(readEspeakWav(Buffer.alloc(0)).samples.length, 0);
  assert.throws(() => readEspeakWav(Buffer.from("not a wav file at all, not at all, no, no, no")), /not a WAV file/);
  const stereo = espeakHeader();
  stereo.writeUInt16LE(2, 22);
  assert.throws(() => readEspeakWav(stereo), /2-channel 16-bit/);
});
