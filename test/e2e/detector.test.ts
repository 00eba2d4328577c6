import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { createRemoteAi } from "../../src/binding/index.js";
import { envelopeError, envelopeResult, post } from "../helpers/http.js";
import { centernetFolder, photo } from "../helpers/real-media.js";
import { startServer, type TestServer } from "../helpers/server.js";
import { standinMirror } from "../helpers/standins.js";

const CENTERNET = "@outpost/mobilenetv3-centernet";

type Detection = { score: number; label: string; box: { xmin: number; ymin: number; xmax: number; ymax: number } };

/** A real trained detector (TF.js on WebAssembly) on a real photo: the one check whose answer means something. */
describe("object detection with a real detector (MobileNetV3-CenterNet, tfjs engine)", () => {
  let server: TestServer;
  let mirror: string;
  let astronaut: Buffer;
  const url = () => `${server.url}/client/v4/accounts/0123abcd/ai/run/${CENTERNET}`;

  before(async () => {
    astronaut = photo("astronaut.png");
    mirror = standinMirror({ "mobilenetv3-centernet": centernetFolder() });
    server = await startServer({ "model-mirror": mirror });
  });
  after(async () => {
    await server?.stop();
    if (mirror) rmSync(mirror, { recursive: true, force: true });
  });

  test("the astronaut photo yields a person box around her", async () => {
    const found = await envelopeResult<Detection[]>(await post(url(), { image: [...astronaut] }));
    const person = found.find((d) => d.label === "person");
    assert.ok(person, JSON.stringify(found));
    assert.ok(person.score >= 0.5 && person.score <= 1);
    // She fills the 512×512 frame from the left third to the bottom edge.
    assert.ok(person.box.xmin < 100 && person.box.xmax > 300 && person.box.xmax <= 512, JSON.stringify(person.box));
    assert.ok(person.box.ymin < 100 && person.box.ymax > 400 && person.box.ymax <= 512, JSON.stringify(person.box));
    assert.equal(found.filter((d) => d.label === "person").length, 1, "one box per person: the repeats are suppressed");
    // The same file as a raw body, and scaled to JPEG at half size: the box scales with it.
    assert.deepEqual(await envelopeResult(await fetch(url(), { method: "POST", body: new Uint8Array(astronaut), headers: { "content-type": "image/png" } })), found);
    const half = await sharp(astronaut).resize(256, 256).jpeg().toBuffer();
    const small = (await envelopeResult<Detection[]>(await post(url(), { image: [...half] }))).find((d) => d.label === "person");
    assert.ok(small && small.box.ymax <= 256 && small.box.ymax > 200, JSON.stringify(small));
  });

  test("a flat grey picture has no person, bad images are 400s, and the detector keeps serving", async () => {
    const grey = await sharp({ create: { width: 320, height: 240, channels: 3, background: "#808080" } }).png().toBuffer();
    assert.ok(!(await envelopeResult<Detection[]>(await post(url(), { image: [...grey] }))).some((d) => d.label === "person"));
    await envelopeError(await post(url(), { image: [...Buffer.from("not a picture")] }), 400, 1001, /^Invalid input at '\/image': not an image/);
    const dot = await sharp({ create: { width: 1, height: 1, channels: 3, background: "#fff" } }).png().toBuffer();
    await envelopeError(await post(url(), { image: [...dot] }), 400, 1001, /^Invalid input at '\/image': the image is 1×1/);
    const ai = createRemoteAi(server.url);
    assert.ok(((await ai.run(CENTERNET, { image: [...astronaut] })) as Detection[]).some((d) => d.label === "person"));
  });
});
