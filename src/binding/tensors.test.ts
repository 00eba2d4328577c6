import assert from "node:assert/strict";
import { test } from "node:test";
import { OutpostError } from "../contract/index.js";
import { isTensorSession, resultToTensors, tensorsToInputs } from "./tensors.js";

const tensor = (name: string, type: string, value: unknown[], shape = [value.length]) => ({ name, type, shape, value });

test("the 1.0 SDK's session URL is told from the binding's own versioned calls", () => {
  assert.equal(isTensorSession("http://workers-binding.ai/run"), true);
  assert.equal(isTensorSession("https://workers-binding.ai/run?version=3"), false);
  assert.equal(isTensorSession("https://workers-binding.ai/ai-api/models/search"), false);
  assert.equal(isTensorSession("not a url"), false);
});

test("text-to-image tensors become the task's inputs, bytes as arrays and the rest as values", () => {
  const body = {
    input: [
      tensor("input_text", "str", ["A black and white coloring book page of a cat"], [1]),
      tensor("negative_prompt", "str", [""], [1]),
      tensor("strength", "float32", [0.5], [1]),
      tensor("guidance", "float32", [7.5], [1]),
      tensor("image", "uint8", [137, 80, 78, 71], [1, 4]),
      tensor("mask_image", "uint8", [[1, 2]], [1, 2]),
      tensor("num_steps", "int32", [20], [1]),
    ],
    stream: false,
  };
  assert.deepEqual(tensorsToInputs("text-to-image", body), {
    prompt: "A black and white coloring book page of a cat",
    negative_prompt: "",
    strength: 0.5,
    guidance: 7.5,
    image: [137, 80, 78, 71],
    mask: [1, 2],
    num_steps: 20,
  });
});

test("unknown tensors, tasks the wire cannot carry and streams are refused by name", () => {
  const refused = (task: string, body: unknown) => {
    try {
      tensorsToInputs(task, body);
    } catch (error) {
      return [(error as OutpostError).code, (error as OutpostError).message];
    }
    assert.fail("accepted");
  };
  assert.deepEqual(refused("text-to-image", { input: [tensor("INPUT_0", "str", ["x"])] }), ["INPUT_INVALID", `Invalid input at '/input/0': no text-to-image tensor is named "INPUT_0"`]);
  assert.deepEqual(refused("text-to-image", { input: [{ name: "input_text", value: "x" }] }), ["INPUT_INVALID", "Invalid input at '/input/0/value': expected an array"]);
  assert.deepEqual(refused("text-to-image", { tensors: [] }), ["REQUEST_INCOMPLETE", "Request is missing headers or body: input (an array of tensors)"]);
  assert.deepEqual(refused("text-embeddings", { input: [], stream: true }), ["INPUT_INVALID", "Invalid input at '/stream': text-embeddings does not stream"]);
  assert.deepEqual(refused("text-generation", { input: [] }), [
    "INPUT_INVALID",
    "The @cloudflare/ai 1.0 tensor protocol is served for text-to-image, text-embeddings, translation, summarization, speech-recognition; for text-generation use env.AI.run() or @cloudflare/ai 1.1 or later",
  ]);
});

test("results come back as the tensors the SDK reads by name", async () => {
  const png = new Uint8Array([137, 80, 78, 71, 13, 10]);
  const image = await resultToTensors("text-to-image", { kind: "bytes", contentType: "image/png", body: new Response(png).body! });
  assert.deepEqual(await image.json(), { result: [{ type: "uint8", shape: [6], name: "output_image", value: [137, 80, 78, 71, 13, 10] }] });
  const embeddings = await resultToTensors("text-embeddings", { kind: "json", value: { shape: [1, 2], data: [[0.5, -1]] } });
  assert.deepEqual(await embeddings.json(), { result: [{ type: "float32", shape: [1, 2], name: "embeddings", value: [[0.5, -1]] }] });
  const summary = await resultToTensors("summarization", { kind: "json", value: { summary: "short" } });
  assert.deepEqual(await summary.json(), { result: [{ type: "str", shape: [1], name: "name", value: ["short"] }] });
  const transcript = await resultToTensors("speech-recognition", { kind: "json", value: { text: "hello world", word_count: 2, words: [], vtt: "WEBVTT\n" } });
  assert.deepEqual(await transcript.json(), { result: [{ type: "str", shape: [1], name: "name", value: ["hello world"] }] });
});

test("speech recognition's uint8 audio tensor is the file's bytes", () => {
  assert.deepEqual(tensorsToInputs("speech-recognition", { input: [tensor("audio", "uint8", [82, 73, 70, 70], [1, 4])] }), { audio: [82, 73, 70, 70] });
});
