import { OutpostError, type RunEvent } from "../contract/index.js";

const encoder = new TextEncoder();

/** The Workers AI stream bytes: one `data:` event per token, a final usage event, `[DONE]`. */
export function workersSseEvent(event: RunEvent): string {
  switch (event.type) {
    case "token":
      return `data: ${JSON.stringify({ response: event.text })}\n\n`;
    case "call_text":
      // Workers AI streams a call whole, in the event before usage.
      return "";
    case "done": {
      // JSON cut off by max_tokens is a failure, told in-band as any failure after the first token.
      if (event.incomplete) return workersSseEvent({ type: "error", error: { code: "OUTPUT_INCOMPLETE", message: event.incomplete } });
      const calls = event.toolCalls
        ? `data: ${JSON.stringify({ response: "", tool_calls: event.toolCalls.map((call, index) => ({ index, id: call.id, type: "function", function: { name: call.name, arguments: JSON.stringify(call.arguments) } })) })}\n\n`
        : "";
      return `${calls}data: ${JSON.stringify({ response: "", usage: event.usage })}\n\ndata: [DONE]\n\n`;
    }
    case "error": {
      // A failure after the first token can only be told in-band; the stream then ends without [DONE].
      const error = OutpostError.fromWire(event.error);
      return `event: error\ndata: ${JSON.stringify({ errors: [{ code: error.internalCode, message: error.message }] })}\n\n`;
    }
  }
}

/** Headers of every server-sent-event answer: no proxy or browser may cache a live stream. */
export const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" } as const;

/**
 * Encodes events as a byte stream that pulls one event at a time: a slow reader pauses the
 * generation behind it rather than filling memory. Cancelling the stream cancels generation.
 */
export function toByteStream(events: AsyncIterable<RunEvent>, encode: (event: RunEvent) => string): ReadableStream<Uint8Array> {
  const iterator = events[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          // An event a surface does not show encodes to nothing; pull on, as an empty pull is not asked again.
          for (;;) {
            const next = await iterator.next();
            if (next.done) {
              controller.close();
              return;
            }
            const text = encode(next.value);
            if (next.value.type === "done" || next.value.type === "error") {
              controller.enqueue(encoder.encode(text));
              // Finish the source now: that is what releases the model's slot.
              await iterator.return?.();
              controller.close();
              return;
            }
            if (text) return controller.enqueue(encoder.encode(text));
          }
        } catch (error) {
          controller.enqueue(encoder.encode(encode({ type: "error", error: OutpostError.from(error).toWire() })));
          controller.close();
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
