import assert from "node:assert/strict";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Hono } from "hono";
import { createRun } from "../binding/index.js";
import { OutpostError, type Backend, type EngineResult, type ModelDescriptor } from "../contract/index.js";
import { DEFAULT_BODY_LIMITS } from "../tasks/index.js";
import { createApp } from "./app.js";
import { BodyReader } from "./body.js";
import { failure } from "./envelope.js";

/** A route that reads a body and echoes it, over one shared reader. */
function echo(reader: BodyReader): Hono {
  const app = new Hono();
  app.post("/", async (c) => c.json((await reader.read(c, DEFAULT_BODY_LIMITS)) as object));
  app.onError((error) => failure(error));
  return app;
}

/** A body stream the test feeds by hand, to hold a request mid-body. */
function heldBody(): { stream: ReadableStream<Uint8Array>; send(text: string): void; end(): void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return { stream, send: (text) => controller.enqueue(new TextEncoder().encode(text)), end: () => controller.close() };
}

const post = (app: Hono, body: BodyInit, headers: Record<string, string> = {}) => app.request("/", { method: "POST", body, headers, duplex: "half" } as RequestInit);

test("bodies being read at once are bounded: past the bound, 429 with Retry-After at once; freed after", async () => {
  const reader = new BodyReader(1_000, 1_200);
  const app = echo(reader);
  const held = heldBody();
  const pending = Promise.resolve(post(app, held.stream));
  held.send(`{"padding":"${"x".repeat(800)}`);
  while (reader.bytesInFlight === 0) await new Promise((r) => setImmediate(r));

  // A declared length that does not fit beside it is refused before a byte is read.
  const refused = await post(app, JSON.stringify({ a: "y".repeat(400) }), { "content-length": "410" });
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get("retry-after"), "1");
  const body = (await refused.json()) as { errors: { code: number; message: string }[] };
  assert.deepEqual(body.errors, [{ code: 3040, message: "Out of capacity: the server is reading 1200 bytes of request bodies at once, its limit (--max-body-bytes-in-flight)" }]);
  // A small one still fits.
  assert.equal((await post(app, '{"ok":true}')).status, 200);

  held.send('"}');
  held.end();
  assert.equal((await pending).status, 200);
  assert.equal(reader.bytesInFlight, 0);
  assert.equal((await post(app, JSON.stringify({ a: "y".repeat(900) }))).status, 200, "room again once the held body is gone");
});

test("a shape over the limits is refused while the body arrives, before the rest is read", async () => {
  const reader = new BodyReader(10_000_000, 10_000_000);
  const app = echo(reader);
  const held = heldBody();
  const answer = Promise.resolve(post(app, held.stream));
  held.send(`[${"{},".repeat(DEFAULT_BODY_LIMITS.maxValues)}`);
  // The body is never finished: the answer comes from what was sent so far.
  const res = await answer;
  assert.equal(res.status, 413);
  assert.match(((await res.json()) as { errors: { message: string }[] }).errors[0]!.message, /more than 100000 JSON values/);
  assert.equal(reader.bytesInFlight, 0);
});

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

test("a request waiting for its model holds the prepared job, not the parsed body", async () => {
  const descriptor: ModelDescriptor = { id: "@cf/test/model", task: "text-generation", engine: "llama", chatTemplate: "chatml", contextTokens: 512, maxTokensDefault: 8, maxTokensStreamDefault: 8 };
  let queued = () => {};
  let release!: (error: Error) => void;
  const backend: Backend = {
    describe: () => descriptor,
    // Stands in for a full scheduler queue: the job waits until the test lets it go.
    execute: () => (queued(), new Promise<EngineResult>((_, reject) => (release = reject))),
    search: () => [],
  };
  const run = createRun(backend);
  for (const [path, body] of [
    [`/ai/run/${descriptor.id}`, { messages: [{ role: "user", content: "Once upon a time" }] }],
    ["/v1/chat/completions", { model: descriptor.id, messages: [{ role: "user", content: "Once upon a time" }] }],
  ] as const) {
    const reachedQueue = new Promise<void>((resolve) => (queued = resolve));
    let messages: WeakRef<object> | undefined;
    const app = createApp({
      backend,
      maxBodyBytes: 1_000_000,
      maxBodyBytesInFlight: 1_000_000,
      run: (model, inputs, options) => ((messages = new WeakRef((inputs as { messages: object }).messages)), run(model, inputs, options)),
    });
    const answer = Promise.resolve(app.request(path, { method: "POST", body: JSON.stringify(body) }));
    await Promise.race([reachedQueue, answer.then(async (res) => assert.fail(`${path} answered ${res.status} ${await res.text()}`))]);
    for (let i = 0; i < 5 && messages?.deref() !== undefined; i++) {
      await new Promise((r) => setImmediate(r));
      gc();
    }
    assert.equal(messages?.deref(), undefined, `${path}: the parsed messages were collected while the job waited`);
    release(new OutpostError("QUEUE_FULL", "let go"));
    assert.equal((await answer).status, 429);
  }
});

test("a gzip body is read inflated, under the limits of its inflated size; other codings and bad gzip are 400", async () => {
  const { gzipSync } = await import("node:zlib");
  const app = echo(new BodyReader(1_000, 10_000));
  const ok = await post(app, gzipSync(JSON.stringify({ a: "é" })), { "content-encoding": "gzip" });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { a: "é" });

  // 1 MiB of spaces compresses to about 1 KiB: its inflated size is what is refused.
  const bomb = gzipSync(`{"a":1${" ".repeat(1 << 20)}}`);
  assert.ok(bomb.length < 2_000);
  const big = await post(app, bomb, { "content-encoding": "gzip" });
  assert.equal(big.status, 413);

  const errors = async (res: Response) => [res.status, ((await res.json()) as { errors: { message: string }[] }).errors[0]?.message];
  assert.deepEqual(await errors(await post(app, '{"a":1}', { "content-encoding": "br" })), [400, "Unsupported content-encoding 'br': send the body as is, or gzip"]);
  assert.deepEqual(await errors(await post(app, "not gzip at all", { "content-encoding": "gzip" })), [400, "Malformed request body: not valid gzip"]);
  assert.equal((await post(app, '{"still":"serving"}')).status, 200);
});
