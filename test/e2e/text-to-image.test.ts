import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import OpenAI, { toFile } from "openai";
import sharp from "sharp";
import { createRemoteAi } from "../../src/binding/index.js";
import { createOutpost, type Outpost } from "../../src/cli/outpost.js";
import { envelopeError, envelopeResult, post } from "../helpers/http.js";
import { LegacyAi } from "../helpers/legacy-ai.js";
import { MODEL_MIRROR, startServer, type TestServer } from "../helpers/server.js";

/**
 * Text-to-image on the random-weight stand-ins of ../shared/models/standins: their pictures are
 * noise, but the files, the ONNX graphs and every step of the pipeline are the real ones.
 */
const SDXL = "@outpost/sdxl-tiny-standin";
const SD = "@outpost/sd-tiny-standin";
const INPAINT = "@outpost/sd-inpaint-tiny-standin";
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

async function assertPng(bytes: Uint8Array, width: number, height: number): Promise<void> {
  assert.deepEqual([...bytes.subarray(0, 8)], PNG_MAGIC);
  const meta = await sharp(bytes).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ["png", width, height]);
}

/** A real picture to start from: a colour gradient, encoded as `format`. */
async function picture(width: number, height: number, format: "png" | "jpeg" = "png"): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set([(i % width) & 0xff, Math.floor(i / width) & 0xff, 128], i * 3);
  return sharp(data, { raw: { width, height, channels: 3 } })[format]().toBuffer();
}

/** A mask: white (repaint) on the right half. */
async function mask(width: number, height: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height);
  for (let i = 0; i < width * height; i++) data[i] = i % width >= width / 2 ? 255 : 0;
  return sharp(data, { raw: { width, height, channels: 1 } }).png().toBuffer();
}

/** A PNG whose header claims 20000×20000 pixels, in a few dozen bytes. */
function headerBomb(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(20_000, 0);
  ihdr.writeUInt32BE(20_000, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from(PNG_MAGIC), chunk("IHDR", ihdr), chunk("IDAT", Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])), chunk("IEND", Buffer.alloc(0))]);
}

function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

describe("text-to-image", () => {
  let server: TestServer;
  const run = (model: string, inputs: unknown) => post(`${server.url}/client/v4/accounts/local/ai/run/${model}`, inputs);

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test("REST answers PNG bytes; the same seed gives the same bytes, another seed others", async () => {
    const first = await run(SDXL, { prompt: "a basic black and white coloring book page", seed: 7 });
    assert.equal(first.status, 200);
    assert.equal(first.headers.get("content-type"), "image/png");
    const a = new Uint8Array(await first.arrayBuffer());
    await assertPng(a, 256, 256);
    const b = new Uint8Array(await (await run(SDXL, { prompt: "a basic black and white coloring book page", seed: 7 })).arrayBuffer());
    assert.deepEqual(b, a);
    const c = new Uint8Array(await (await run(SDXL, { prompt: "a basic black and white coloring book page", seed: 8 })).arrayBuffer());
    assert.notDeepEqual(c, a);
  });

  test("width, height, steps, guidance and a negative prompt are honoured", async () => {
    const res = await run(SD, { prompt: "a lighthouse", negative_prompt: "fog", width: 320, height: 256, num_steps: 2, guidance: 3, seed: 1 });
    assert.equal(res.status, 200, await res.clone().text());
    await assertPng(new Uint8Array(await res.arrayBuffer()), 320, 256);
  });

  test("stream: true reports each step, then the picture, then [DONE]", async () => {
    const res = await run(SD, { prompt: "a cat", num_steps: 3, seed: 5, stream: true });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    const events = (await res.text()).split("\n\n").filter(Boolean).map((e) => e.replace(/^data: /, ""));
    assert.equal(events.at(-1), "[DONE]");
    const parsed = events.slice(0, -1).map((e) => JSON.parse(e));
    assert.deepEqual(parsed.slice(0, 3), [1, 2, 3].map((step) => ({ step, steps: 3 })));
    const png = Buffer.from(parsed[3].image, "base64");
    const plain = new Uint8Array(await (await run(SD, { prompt: "a cat", num_steps: 3, seed: 5 })).arrayBuffer());
    assert.deepEqual(new Uint8Array(png), plain, "the streamed picture is the one the plain request makes");
  });

  test("img2img from a byte array or base64 (PNG or JPEG, any size: it is resized)", async () => {
    const png = await picture(300, 200);
    const fromArray = await run(SD, { prompt: "a painting", image: [...png], strength: 0.5, seed: 2 });
    assert.equal(fromArray.status, 200, await fromArray.clone().text());
    const bytes = new Uint8Array(await fromArray.arrayBuffer());
    await assertPng(bytes, 256, 256);
    const fromBase64 = new Uint8Array(await (await run(SD, { prompt: "a painting", image_b64: png.toString("base64"), strength: 0.5, seed: 2 })).arrayBuffer());
    assert.deepEqual(fromBase64, bytes);
    const jpeg = await run(SD, { prompt: "a painting", image_b64: (await picture(256, 256, "jpeg")).toString("base64"), strength: 0.3, seed: 2 });
    assert.equal(jpeg.status, 200);
    const text = new Uint8Array(await (await run(SD, { prompt: "a painting", seed: 2 })).arrayBuffer());
    assert.notDeepEqual(bytes, text, "the input image changes the result");
  });

  test("inpainting with a mask of the image's size", async () => {
    const image = await picture(256, 256);
    const res = await run(INPAINT, { prompt: "a red door", image: [...image], mask: [...(await mask(256, 256))], seed: 3 });
    assert.equal(res.status, 200, await res.clone().text());
    await assertPng(new Uint8Array(await res.arrayBuffer()), 256, 256);
  });

  test("bad input is a 400 naming the field, and the server keeps serving", async () => {
    const image = [...(await picture(256, 256))];
    const truncatedJpeg = [...(await picture(256, 256, "jpeg"))].slice(0, 400);
    const onePixel = [...(await sharp({ create: { width: 1, height: 1, channels: 3, background: "#fff" } }).png().toBuffer())];
    const cases: [string, unknown, string, RegExp?][] = [
      [SDXL, { prompt: "" }, "/prompt"],
      [SDXL, { prompt: "x".repeat(100_000) }, "/prompt"],
      [SDXL, {}, "/prompt"],
      [SDXL, { prompt: "a", width: 17 }, "/width"],
      [SDXL, { prompt: "a", width: 1e9 }, "/width"],
      [SDXL, { prompt: "a", height: 300 }, "/height", /multiple of 32/],
      [SDXL, { prompt: "a", num_steps: 0 }, "/num_steps"],
      [SDXL, { prompt: "a", num_steps: 21 }, "/num_steps"],
      [SDXL, { prompt: "a", num_steps: -1 }, "/num_steps"],
      [SDXL, { prompt: "a", strength: 1.5 }, "/strength"],
      [SDXL, { prompt: "a", guidance: "NaN" }, "/guidance"],
      [SDXL, { prompt: "a", seed: 1.5 }, "/seed"],
      [SD, { prompt: "a", image: [1, 2, 3, 4, 5, 6, 7, 8] }, "/image", /not an image/],
      [SD, { prompt: "a", image: [256] }, "/image/0"],
      [SD, { prompt: "a", image: "not an array" }, "/image"],
      [SD, { prompt: "a", image_b64: "!!!" }, "/image_b64"],
      [SD, { prompt: "a", image: onePixel }, "/image", /at least/],
      [SD, { prompt: "a", image: [...headerBomb()] }, "/image", /pixels/],
      [SD, { prompt: "a", image: truncatedJpeg }, "/image"],
      [SD, { prompt: "a", image, mask: image }, "/mask", /does not inpaint/],
      [SD, { prompt: "a", mask: image }, "/image"],
      [INPAINT, { prompt: "a", image, mask: [...(await mask(128, 128))] }, "/mask", /same size/],
      [INPAINT, { prompt: "a", image }, "/mask"],
    ];
    for (const [model, inputs, field, message] of cases) {
      const text = await envelopeError(await run(model, inputs), 400, 1001);
      assert.ok(text.includes(`'${field}'`), `${JSON.stringify(inputs).slice(0, 80)} → ${text}`);
      if (message) assert.match(text, message);
    }
    const res = await run(SDXL, { prompt: "still serving", seed: 1 });
    assert.equal(res.status, 200);
    await assertPng(new Uint8Array(await res.arrayBuffer()), 256, 256);
  });

  test("models/schema serves the schema run() validates", async () => {
    const schema = await envelopeResult(await fetch(`${server.url}/client/v4/accounts/local/ai/models/schema?model=${SDXL}`));
    assert.deepEqual(schema.input.required, ["prompt"]);
    assert.equal(schema.input.properties.num_steps.maximum, 20);
    assert.equal(schema.output.contentType, "image/png");
  });

  test("the OpenAI SDK's images.generate and images.edit work unmodified", async () => {
    const openai = new OpenAI({ apiKey: "any", baseURL: `${server.url}/v1`, maxRetries: 0 });
    const generated = await openai.images.generate({ model: SDXL, prompt: "a fox", size: "256x256", n: 2, seed: 4 } as never);
    assert.equal(generated.data?.length, 2);
    const [one, two] = generated.data!.map((d) => Buffer.from(d.b64_json!, "base64"));
    await assertPng(one!, 256, 256);
    assert.notDeepEqual(one, two, "image i uses seed + i");
    const rest = new Uint8Array(await (await run(SDXL, { prompt: "a fox", width: 256, height: 256, seed: 4 })).arrayBuffer());
    assert.deepEqual(new Uint8Array(one!), rest);

    const transparentRight = await sharp({ create: { width: 256, height: 256, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 1 } } })
      .composite([{ input: { create: { width: 128, height: 256, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }, left: 128, top: 0, blend: "dest-out" }])
      .png()
      .toBuffer();
    const edited = await openai.images.edit({ model: INPAINT, prompt: "a door", image: await toFile(await picture(256, 256), "in.png", { type: "image/png" }), mask: await toFile(transparentRight, "mask.png", { type: "image/png" }) });
    await assertPng(Buffer.from(edited.data![0]!.b64_json!, "base64"), 256, 256);

    await assert.rejects(openai.images.generate({ model: SDXL, prompt: "a", response_format: "url" }), (error: InstanceType<typeof OpenAI.APIError>) => {
      assert.equal(error.status, 400);
      assert.match(error.message, /b64_json/);
      return true;
    });
    await assert.rejects(openai.images.generate({ model: "@cf/karpathy/tinyllamas-stories-260k", prompt: "a" }), (error: InstanceType<typeof OpenAI.APIError>) => error.status === 400);
  });

  describe("the env.AI binding", () => {
    let outpost: Outpost;
    let dataDir: string;
    before(() => {
      dataDir = mkdtempSync(join(tmpdir(), "outpost-t2i-"));
      outpost = createOutpost({ modelMirror: MODEL_MIRROR, dataDir });
    });
    after(() => {
      outpost.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    test("in-process and remote give a ReadableStream of the same PNG bytes as REST", async () => {
      const inputs = { prompt: "a coloring book page of a cat", seed: 11 };
      const rest = new Uint8Array(await (await run(SDXL, inputs)).arrayBuffer());
      for (const ai of [outpost.ai, createRemoteAi(server.url)]) {
        const result = await ai.run(SDXL, inputs);
        assert.ok(result instanceof ReadableStream);
        assert.deepEqual(new Uint8Array(await new Response(result).arrayBuffer()), rest);
        const legacy = await new LegacyAi(ai).run(SDXL, inputs);
        assert.deepEqual(new Uint8Array(await new Response(legacy).arrayBuffer()), rest);
      }
    });
  });
});
