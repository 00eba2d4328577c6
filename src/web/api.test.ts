import assert from "node:assert/strict";
import { test } from "node:test";
import { errorMessage, toGenerationEvent } from "./api.js";

test("Workers AI stream events become tokens, usage, done and errors", () => {
  assert.deepEqual(toGenerationEvent({ event: "message", data: '{"response":" upon"}' }), { type: "token", text: " upon" });
  assert.deepEqual(toGenerationEvent({ event: "message", data: '{"response":"","usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}' }), {
    type: "usage",
    usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
  });
  assert.deepEqual(toGenerationEvent({ event: "message", data: "[DONE]" }), { type: "done" });
  assert.equal(toGenerationEvent({ event: "message", data: '{"response":""}' }), undefined);
  assert.deepEqual(toGenerationEvent({ event: "error", data: '{"errors":[{"code":3043,"message":"Runner crashed"}]}' }), { type: "error", message: "Runner crashed" });
  assert.deepEqual(toGenerationEvent({ event: "error", data: "not json" }), { type: "error", message: "not json" });
});

test("error messages come from either envelope, else the fallback", () => {
  assert.equal(errorMessage({ errors: [{ code: 5007, message: "No such model x or task" }] }, "f"), "No such model x or task");
  assert.equal(errorMessage({ error: { message: "bad" } }, "f"), "bad");
  assert.equal(errorMessage(null, "404 Not Found"), "404 Not Found");
});
