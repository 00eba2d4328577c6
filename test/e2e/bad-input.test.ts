import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { bodyText, envelopeError, openAiError } from "../helpers/http.js";
import { startServer, STORIES, STORIES_EMBEDDINGS, type TestServer } from "../helpers/server.js";

/** Small, so oversize bodies are cheap to send; every valid body below fits. */
const MAX_BODY_BYTES = 4096;

/** OpenAI error `code` strings for the Workers AI internal codes used here. */
const OPENAI_CODES: Record<number, string> = { 1001: "input_invalid", 3003: "request_incomplete", 3006: "input_too_large", 5007: "model_not_found" };

type Surface = "workers" | "openai" | "binding";
type Body = string | Uint8Array | ReadableStream<Uint8Array> | null;

interface Endpoint {
  name: string;
  surface: Surface;
  task: "text" | "embeddings";
  /** Sends an exact body, for `model` (in the URL, a header or the body, as the surface wants). */
  send(body: Body, model?: string): Promise<Response>;
  valid: Record<string, unknown>;
  wrongTypes: unknown[];
  /** Emoji and right-to-left text, which must succeed. */
  unicode: Record<string, unknown>;
}

const emoji = "Once upon a time 🐱🐶 a cat said مرحبا and שלום 👋🏽";
const textInputs = { valid: { prompt: "Once upon a time", max_tokens: 2 }, unicode: { messages: [{ role: "system", content: "🙂 كن لطيفا" }, { role: "user", content: emoji }], max_tokens: 3 } };

describe("bad input on every endpoint", () => {
  let server: TestServer;
  const endpoints: Endpoint[] = [];
  before(async () => {
    server = await startServer({ "max-body-bytes": String(MAX_BODY_BYTES) });
    const raw = (url: string, body: Body, headers: Record<string, string> = {}) =>
      fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: body instanceof Uint8Array ? new Blob([body as Uint8Array<ArrayBuffer>]) : body, duplex: "half" } as RequestInit);
    const workers = (name: string, prefix: string, task: Endpoint["task"], defaultModel: string, inputs: Omit<Endpoint, "name" | "surface" | "task" | "send">) =>
      endpoints.push({ name, surface: "workers", task, send: (body, model = defaultModel) => raw(`${server.url}${prefix}/run/${model}`, body), ...inputs });
    const binding = (name: string, task: Endpoint["task"], defaultModel: string, inputs: Omit<Endpoint, "name" | "surface" | "task" | "send">) =>
      endpoints.push({
        name,
        surface: "binding",
        task,
        send: (body, model = defaultModel) => raw(`${server.url}/client/v4/accounts/0123abcd/ai/run/proxy`, body, { "cf-consn-model-id": model, "x-forwarded": "https://workers-binding.ai/run?version=3" }),
        ...inputs,
        valid: { inputs: inputs.valid },
        unicode: { inputs: inputs.unicode },
        wrongTypes: inputs.wrongTypes.map((inputs) => ({ inputs })),
      });
    const openai = (path: string, task: Endpoint["task"], defaultModel: string, inputs: Omit<Endpoint, "name" | "surface" | "task" | "send">) => {
      for (const prefix of ["/v1", "/client/v4/accounts/0123abcd/ai/v1"]) {
        endpoints.push({
          name: `${prefix}${path}`,
          surface: "openai",
          task,
          // The model travels in the body: a JSON object body gets it unless it names one already.
          send: (body, model = defaultModel) => {
            if (typeof body === "string") {
              try {
                const parsed = JSON.parse(body) as unknown;
                if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) && !("model" in parsed)) body = JSON.stringify({ model, ...parsed });
              } catch {
                // Malformed on purpose: sent as it is.
              }
            }
            return raw(`${server.url}${prefix}${path}`, body);
          },
          ...inputs,
        });
      }
    };
    const textWrongTypes = [{ prompt: 5 }, { prompt: "x", max_tokens: "2" }, { messages: [{ role: "user", content: 5 }] }, { messages: "hi" }, [], "a string", null, 42];
    const embedWrongTypes = [{ text: 5 }, { text: [1, 2] }, { text: "x", pooling: 3 }, [], null];
    workers("REST run (text)", "/client/v4/accounts/0123abcd/ai", "text", STORIES, { ...textInputs, wrongTypes: textWrongTypes });
    workers("/ai/run (text)", "/ai", "text", STORIES, { ...textInputs, wrongTypes: textWrongTypes });
    workers("REST run (embeddings)", "/client/v4/accounts/0123abcd/ai", "embeddings", STORIES_EMBEDDINGS, { valid: { text: "a cat" }, unicode: { text: [emoji, "日本語"] }, wrongTypes: embedWrongTypes });
    binding("binding proxy (text)", "text", STORIES, { ...textInputs, wrongTypes: textWrongTypes });
    binding("binding proxy (embeddings)", "embeddings", STORIES_EMBEDDINGS, { valid: { text: "a cat" }, unicode: { text: emoji }, wrongTypes: embedWrongTypes });
    openai("/chat/completions", "text", STORIES, {
      valid: { messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 2 },
      unicode: { messages: [{ role: "system", content: "כן" }, { role: "user", content: emoji }], max_tokens: 3, stream: true },
      wrongTypes: [{ messages: "hi" }, { messages: [{ role: "user", content: 5 }] }, { messages: [{ role: "user", content: "x" }], max_tokens: "2" }, { model: 5, messages: [] }, [], null],
    });
    openai("/completions", "text", STORIES, { valid: { prompt: "Once upon a time", max_tokens: 2 }, unicode: { prompt: emoji, max_tokens: 3 }, wrongTypes: [{ prompt: 5 }, { prompt: ["a"] }, { prompt: "x", temperature: "hot" }, []] });
    openai("/embeddings", "embeddings", STORIES_EMBEDDINGS, { valid: { input: "a cat" }, unicode: { input: [emoji, "日本語"] }, wrongTypes: [{ input: 5 }, { input: [1] }, { input: "x", encoding_format: "hex" }, []] });
  });
  after(() => server.stop());

  async function expectError(endpoint: Endpoint, res: Response, status: number, code: number, message?: string | RegExp): Promise<void> {
    if (endpoint.surface === "workers") {
      await envelopeError(res, status, code, message);
    } else if (endpoint.surface === "openai") {
      await openAiError(res, status, OPENAI_CODES[code]!, typeof message === "string" ? new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : message);
    } else {
      const text = await bodyText(res);
      assert.equal(res.status, status, text);
      const body = JSON.parse(text);
      assert.deepEqual(Object.keys(body).sort(), ["description", "internalCode", "message", "name"], text);
      assert.equal(body.internalCode, code, text);
      if (typeof message === "string") assert.equal(body.description, message);
      else if (message) assert.match(body.description, message);
    }
  }

  /** A valid request right after, on the same endpoint, still succeeds. */
  async function stillServes(endpoint: Endpoint): Promise<void> {
    const res = await endpoint.send(JSON.stringify(endpoint.valid));
    assert.equal(res.status, 200, `${endpoint.name} after a bad request: ${await res.clone().text()}`);
    await bodyText(res);
  }

  const each = (name: string, fn: (endpoint: Endpoint) => Promise<void>, only?: (endpoint: Endpoint) => boolean) =>
    test(name, async () => {
      const chosen = endpoints.filter(only ?? (() => true));
      assert.ok(chosen.length > 0);
      for (const endpoint of chosen) {
        await fn(endpoint);
        await stillServes(endpoint);
      }
    });

  each("malformed JSON: 400, code 1001", async (endpoint) => {
    for (const body of ['{"prompt": "x",', "{bad json}", "prompt=x"]) await expectError(endpoint, await endpoint.send(body), 400, 1001, /Malformed JSON body/);
  });

  each("wrong types: 400, code 1001, naming the field", async (endpoint) => {
    for (const body of endpoint.wrongTypes) await expectError(endpoint, await endpoint.send(JSON.stringify(body)), 400, 1001, /^Invalid input at '\/[^']*': /);
  });

  each("unknown and hostile model names: 400, code 5007, the name echoed and nothing else", async (endpoint) => {
    for (const model of ["@cf/no/such-model", "..%2F..%2Fetc%2Fpasswd", "../../../../etc/passwd", "@cf/../../models/stories260K.gguf", "/etc/passwd", "%00", "x".repeat(2000)]) {
      // Paths are percent-decoded once ("../" itself would be resolved away by URL parsing, so it
      // goes encoded); JSON bodies carry the decoded name; a header carries the name as it is.
      const wire = { workers: model.includes("../") ? encodeURIComponent(model) : model, openai: decodeURIComponent(model), binding: model }[endpoint.surface];
      const shown = endpoint.surface === "binding" ? model : decodeURIComponent(model);
      await expectError(endpoint, await endpoint.send(JSON.stringify(endpoint.valid), wire), 400, 5007, `No such model ${shown} or task`);
    }
  });

  test("an unencoded ../ in the run path never reaches a model: 404 envelope", async () => {
    for (const path of ["/ai/run/../../etc/passwd", "/client/v4/accounts/x/ai/run/@cf/../../../etc/passwd", "/ai/run/%2e%2e/%2e%2e/etc/passwd"]) {
      const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const url = new URL(server.url);
        const req = request({ host: url.hostname, port: url.port, path, method: "POST", headers: { "content-type": "application/json" } }, (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk)).on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on("error", reject);
        req.end(JSON.stringify({ prompt: "x" }));
      });
      assert.ok(status === 404 || status === 400, `${path}: ${status}`);
      const body = JSON.parse(text);
      assert.equal(body.success, false);
      assert.ok([7000, 5007].includes(body.errors[0].code), text);
    }
  });

  each(
    "prompt and messages together: 400, 'prompt and messages are mutually exclusive'",
    async (endpoint) => {
      const inputs = { prompt: "x", messages: [{ role: "user", content: "y" }] };
      const body = endpoint.surface === "binding" ? { inputs } : inputs;
      await expectError(endpoint, await endpoint.send(JSON.stringify(body)), 400, 1001, "prompt and messages are mutually exclusive");
    },
    (endpoint) => endpoint.task === "text" && endpoint.surface !== "openai",
  );

  each(
    "101 embedding inputs: 400, code 1001",
    async (endpoint) => {
      const items = Array.from({ length: 101 }, (_, i) => `t${i}`);
      const body = endpoint.surface === "openai" ? { input: items } : endpoint.surface === "binding" ? { inputs: { text: items } } : { text: items };
      // Refused as the body arrives, naming the field as the caller's surface spells it.
      await expectError(endpoint, await endpoint.send(JSON.stringify(body)), 400, 1001, `Invalid input at '/${endpoint.surface === "openai" ? "input" : "text"}': at most 100 items are allowed`);
    },
    (endpoint) => endpoint.task === "embeddings",
  );

  each("a body over --max-body-bytes: 413, code 3006, with or without a content-length", async (endpoint) => {
    const oversize = JSON.stringify({ ...endpoint.valid, padding: "x".repeat(MAX_BODY_BYTES) });
    await expectError(endpoint, await endpoint.send(oversize), 413, 3006, `Request is too large: the body limit is ${MAX_BODY_BYTES} bytes`);
    const bytes = new TextEncoder().encode(oversize);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 1000) controller.enqueue(bytes.slice(i, i + 1000));
        controller.close();
      },
    });
    await expectError(endpoint, await endpoint.send(chunked), 413, 3006);
  });

  each("an empty body: 400, code 3003", async (endpoint) => {
    await expectError(endpoint, await endpoint.send(null), 400, 3003, "Request is missing headers or body: body");
    await expectError(endpoint, await endpoint.send(""), 400, 3003, "Request is missing headers or body: body");
  });

  each("binary garbage: 400, code 1001", async (endpoint) => {
    const garbage = new Uint8Array(512).map((_, i) => (i * 151 + 0x80) & 0xff);
    garbage[0] = 0xff; // never valid UTF-8
    await expectError(endpoint, await endpoint.send(garbage), 400, 1001, /not UTF-8|Malformed JSON/);
    await expectError(endpoint, await endpoint.send(new Uint8Array([0x7b, 0x22, 0x70, 0xc3, 0x28, 0x22, 0x7d])), 400, 1001);
  });

  each("emoji and right-to-left text succeed with valid UTF-8 output", async (endpoint) => {
    const res = await endpoint.send(JSON.stringify(endpoint.unicode));
    const text = await bodyText(res);
    assert.equal(res.status, 200, `${endpoint.name}: ${text}`);
    assert.ok(text.length > 0);
  });

  test("the binding proxy refuses a call without a model header or inputs: 3003", async () => {
    const proxy = `${server.url}/client/v4/accounts/0123abcd/ai/run/proxy`;
    const noModel = await fetch(proxy, { method: "POST", headers: { "x-forwarded": "https://workers-binding.ai/run?version=3" }, body: JSON.stringify({ inputs: { prompt: "x" } }) });
    assert.equal(noModel.status, 400);
    assert.deepEqual(await noModel.json(), { internalCode: 3003, name: "IncompleteRequest", message: "Request is missing headers or body: cf-consn-model-id", description: "Request is missing headers or body: cf-consn-model-id" });
    const noInputs = await fetch(proxy, { method: "POST", headers: { "cf-consn-model-id": STORIES }, body: JSON.stringify({ options: {} }) });
    assert.equal(noInputs.status, 400);
    assert.equal((await noInputs.json()).internalCode, 3003);
  });

  test("unknown routes and methods: 404 in each surface's error shape", async () => {
    await envelopeError(await fetch(`${server.url}/ai/run/${STORIES}`), 404, 7000);
    await envelopeError(await fetch(`${server.url}/client/v4/accounts/x/ai/nothing`), 404, 7000);
    await envelopeError(await fetch(`${server.url}/nothing`), 404, 7000);
    await openAiError(await fetch(`${server.url}/v1/nothing`), 404, "not_found");
    await openAiError(await fetch(`${server.url}/v1/models`, { method: "POST" }), 404, "not_found");
  });
});
