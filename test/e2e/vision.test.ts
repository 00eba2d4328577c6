import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { deflateSync } from "node:zlib";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { createRemoteAi } from "../../src/binding/index.js";
import { envelopeError, envelopeResult, post } from "../helpers/http.js";
import { LegacyAi } from "../helpers/legacy-ai.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { standinMirror } from "../helpers/standins.js";

const RESNET = "@cf/microsoft/resnet-50";
const DETR = "@cf/facebook/detr-resnet-50";
const CAPTIONER = "@outpost/vit-gpt2-tiny-standin";
const UFORM = "@cf/unum/uform-gen2-qwen-500m";
const LLAVA = "@cf/llava-hf/llava-1.5-7b-hf";

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
/** A valid PNG header claiming 40000×40000 RGB, with a few bytes of data: a decompression bomb's shape. */
function headerBomb(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(40_000, 0);
  ihdr.writeUInt32BE(40_000, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(Buffer.alloc(1000))), chunk("IEND", Buffer.alloc(0))]);
}

const bytes = (buffer: Buffer): number[] => [...buffer];

describe("vision tasks (transformers engine, random-weight stand-ins)", () => {
  let server: TestServer;
  let mirror: string;
  let photo: Buffer;
  const rest = (model: string) => `${server.url}/client/v4/accounts/0123abcd/ai/run/${model}`;

  before(async () => {
    mirror = standinMirror();
    server = await startServer({ "model-mirror": mirror, alias: `${UFORM}=${CAPTIONER}` });
    const pixels = Buffer.alloc(160 * 120 * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7) & 0xff;
    photo = await sharp(pixels, { raw: { width: 160, height: 120, channels: 3 } }).jpeg().toBuffer();
  });
  after(async () => {
    await server.stop();
    rmSync(mirror, { recursive: true, force: true });
  });

  test("image-classification answers the top 5 ImageNet labels, upper case, most likely first", async () => {
    const result = await envelopeResult<{ label: string; score: number }[]>(await post(rest(RESNET), { image: bytes(photo) }));
    assert.equal(result.length, 5);
    for (const { label, score } of result) {
      assert.match(label, /^[A-Z0-9 '.-]+$/);
      assert.ok(score > 0 && score < 1);
    }
    for (let i = 1; i < result.length; i++) assert.ok(result[i - 1]!.score >= result[i]!.score);
    assert.deepEqual(await envelopeResult(await post(rest(RESNET), { image: bytes(photo) })), result);
    // The raw file as the body, as `curl --data-binary @photo.jpg` sends it.
    assert.deepEqual(await envelopeResult(await fetch(rest(RESNET), { method: "POST", body: new Uint8Array(photo), headers: { "content-type": "application/x-www-form-urlencoded" } })), result);
  });

  test("PNG, WebP, CMYK JPEG, 16-bit PNG and GIF all classify", async () => {
    const base = sharp(photo);
    const inputs = [
      await base.clone().png().toBuffer(),
      await base.clone().webp().toBuffer(),
      await base.clone().toColourspace("cmyk").jpeg().toBuffer(),
      await base.clone().toColourspace("rgb16").png().toBuffer(),
      await sharp([photo, photo], { join: { animated: true } }).gif().toBuffer(),
    ];
    for (const input of inputs) {
      const result = await envelopeResult<unknown[]>(await post(rest(RESNET), { image: bytes(input) }));
      assert.equal(result.length, 5);
    }
  });

  test("object-detection answers [{score,label,box}] in the input's pixels", async () => {
    const result = await envelopeResult<{ score: number; label: string; box: Record<string, number> }[]>(await post(rest(DETR), { image: bytes(photo) }));
    assert.ok(Array.isArray(result));
    for (const { score, label, box } of result) {
      assert.ok(score >= 0.5 && score <= 1);
      assert.equal(typeof label, "string");
      assert.deepEqual(Object.keys(box), ["xmin", "ymin", "xmax", "ymax"]);
      assert.ok(box.xmin! >= 0 && box.xmax! <= 160 && box.ymin! >= 0 && box.ymax! <= 120);
    }
  });

  test("bad images are a 400 naming /image, and the server keeps serving", async () => {
    await envelopeError(await post(rest(RESNET), { image: bytes(Buffer.from("this is not an image at all")) }), 400, 1001, /^Invalid input at '\/image': not an image/);
    const tiny = await sharp({ create: { width: 1, height: 1, channels: 3, background: "#fff" } }).png().toBuffer();
    await envelopeError(await post(rest(RESNET), { image: bytes(tiny) }), 400, 1001, /^Invalid input at '\/image': the image is 1×1/);
    await envelopeError(await post(rest(DETR), { image: bytes(headerBomb()) }), 400, 1001, /^Invalid input at '\/image': /);
    const truncated = (await sharp(photo).png().toBuffer()).subarray(0, 200);
    await envelopeError(await post(rest(RESNET), { image: bytes(truncated) }), 400, 1001, /^Invalid input at '\/image': /);
    await envelopeError(await post(rest(RESNET), { image: [1, 2, 300] }), 400, 1001, /^Invalid input at '\/image\/2'/);
    await envelopeError(await post(rest(RESNET), { image: [] }), 400, 1001, /^Invalid input at '\/image'/);
    await envelopeError(await post(rest(RESNET), { image: "abc" }), 400, 1001, /^Invalid input at '\/image'/);
    await envelopeError(await post(rest(RESNET), {}), 400, 1001, /^Invalid input at '\/image'/);
    const fine = await envelopeResult<unknown[]>(await post(rest(RESNET), { image: bytes(photo) }));
    assert.equal(fine.length, 5);
  });

  test("the remote binding gives the REST results", async () => {
    const ai = createRemoteAi(server.url);
    for (const model of [RESNET, DETR, CAPTIONER]) {
      const inputs = { image: bytes(photo) };
      assert.deepEqual(await ai.run(model, inputs), await envelopeResult(await post(rest(model), inputs)), model);
    }
    // Bytes as the in-process binding takes them, not only the spread array Workers AI documents.
    const labels = await ai.run(RESNET, { image: bytes(photo) });
    for (const image of [new Uint8Array(photo), photo, new Uint8Array(photo).buffer]) assert.deepEqual(await ai.run(RESNET, { image }), labels, image.constructor.name);
    const described = await envelopeResult(await post(rest(CAPTIONER), { image: bytes(photo), max_tokens: 8 }));
    assert.deepEqual(await new LegacyAi(ai).run(CAPTIONER, { image: bytes(photo), max_tokens: 8 }), described, "through @cloudflare/ai 1.2.2");
  });

  test("image-to-text answers {description} for bytes, base64 and a raw body, greedy by default", async () => {
    const described = await envelopeResult<{ description: string }>(await post(rest(CAPTIONER), { image: bytes(photo), max_tokens: 8 }));
    assert.deepEqual(Object.keys(described), ["description"]);
    assert.ok(described.description.length > 0);
    assert.deepEqual(await envelopeResult(await post(rest(CAPTIONER), { image: photo.toString("base64"), max_tokens: 8, prompt: "What is this?" })), described);
    assert.deepEqual(await envelopeResult(await post(rest(CAPTIONER), { image: `data:image/jpeg;base64,${photo.toString("base64")}`, max_tokens: 8 })), described);
    const longer = await envelopeResult<{ description: string }>(await post(rest(CAPTIONER), { image: bytes(photo), max_tokens: 24 }));
    assert.ok(longer.description.length > described.description.length && longer.description.startsWith(described.description), "greedy: more tokens extend the same description");
    const raw = await envelopeResult<{ description: string }>(await fetch(rest(CAPTIONER), { method: "POST", body: new Uint8Array(photo), headers: { "content-type": "image/jpeg" } }));
    assert.equal(typeof raw.description, "string");
    const sampled = await envelopeResult<{ description: string }>(await post(rest(CAPTIONER), { image: bytes(photo), max_tokens: 8, temperature: 0.8, top_k: 5, top_p: 1.5, repetition_penalty: 1.2, seed: 7 }));
    assert.equal(typeof sampled.description, "string");
  });

  test("uform-gen2 aliased to the captioner answers its shape; llava, not aliased, says it has no engine", async () => {
    const described = await envelopeResult<{ description: string }>(await post(rest(UFORM), { image: bytes(photo), max_tokens: 8 }));
    assert.deepEqual(described, await envelopeResult(await post(rest(CAPTIONER), { image: bytes(photo), max_tokens: 8 })));
    const res = await post(rest(LLAVA), { image: bytes(photo) });
    assert.equal(res.status, 501);
    assert.match(await res.text(), /needs the llava engine for image-to-text/);
  });

  test("image-to-text refuses bad images and options as a 400 naming the field, then still serves", async () => {
    const refused = (inputs: unknown, message: RegExp) => post(rest(CAPTIONER), inputs).then((res) => envelopeError(res, 400, 1001, message));
    await refused({ image: bytes(Buffer.from("not an image")) }, /^Invalid input at '\/image': not an image/);
    await refused({ image: bytes(headerBomb()) }, /^Invalid input at '\/image': the image has more than/);
    const tiny = await sharp({ create: { width: 1, height: 1, channels: 3, background: "#fff" } }).png().toBuffer();
    await refused({ image: tiny.toString("base64") }, /^Invalid input at '\/image': the image is 1×1/);
    await refused({ image: "%%%" }, /^Invalid input at '\/image': not base64/);
    await refused({ image: [] }, /^Invalid input at '\/image': the image is empty/);
    await refused({ image: [0, 256] }, /^Invalid input at '\/image\/1'/);
    await refused({ prompt: "hi" }, /^Invalid input at '\/image': required/);
    await refused({ image: bytes(photo), max_tokens: 0 }, /^Invalid input at '\/max_tokens'/);
    await refused({ image: bytes(photo), temperature: "hot" }, /^Invalid input at '\/temperature'/);
    await refused({ image: bytes(photo), top_k: 1e9 }, /^Invalid input at '\/top_k'/);
    await refused({ image: bytes(photo), prompt: "a", messages: [{ role: "user", content: "b" }] }, /^Invalid input at '\/': "prompt" and "messages" are mutually exclusive/);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64"/></svg>');
    await refused({ image: bytes(svg) }, /^Invalid input at '\/image': svg images are not accepted/);
    const inputs = [
      await sharp(photo).toColourspace("cmyk").jpeg().toBuffer(),
      await sharp(photo).toColourspace("rgb16").png().toBuffer(),
      await sharp([photo, photo], { join: { animated: true } }).gif().toBuffer(),
    ];
    for (const input of inputs) assert.equal(typeof (await envelopeResult<{ description: string }>(await post(rest(CAPTIONER), { image: bytes(input), max_tokens: 4 }))).description, "string");
  });

  test("the served image-to-text schema lists what run validates", async () => {
    const res = await fetch(`${server.url}/client/v4/accounts/0123abcd/ai/models/schema?model=${encodeURIComponent(CAPTIONER)}`);
    const schema = await envelopeResult<{ input: { properties: Record<string, unknown>; required: string[] }; output: { properties: Record<string, unknown> } }>(res);
    assert.deepEqual(schema.input.required, ["image"]);
    assert.deepEqual(Object.keys(schema.input.properties).sort(), ["frequency_penalty", "image", "max_tokens", "messages", "presence_penalty", "prompt", "raw", "repetition_penalty", "seed", "temperature", "top_k", "top_p"]);
    assert.deepEqual(Object.keys(schema.output.properties), ["description"]);
  });
});
