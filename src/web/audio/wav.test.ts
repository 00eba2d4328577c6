import assert from "node:assert/strict";
import { test } from "node:test";
import { wavDuration } from "../../../test/helpers/audio.js";
import { audioType, encodeWav } from "./wav.js";

test("a WAV whose header adds up, samples as 16-bit PCM, clipped to full scale", () => {
  const wav = encodeWav(Float32Array.from([0, 0.5, -1, 2]), 16_000);
  assert.deepEqual(wavDuration(wav), { seconds: 4 / 16_000, sampleRate: 16_000 });
  const view = new DataView(wav.buffer);
  assert.deepEqual([0, 1, 2, 3].map((i) => view.getInt16(44 + i * 2, true)), [0, 16_384, -32_767, 32_767]);
});

test("the player's type comes from the bytes", () => {
  assert.equal(audioType(encodeWav(new Float32Array(1), 8_000)), "audio/wav");
  assert.equal(audioType(Uint8Array.from([0xff, 0xfb, 0x90])), "audio/mpeg");
});
