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

/** Settles at the end of this event-loop turn, after the I/O callbacks already due have run. */
function turnEnd(): Promise<undefined> {
  return new Promise((resolve) => setImmediate(() => resolve(undefined)));
}

/**
 * Encodes events as a byte stream that pulls only when its reader asks: a slow reader pauses
 * the generation behind it rather than filling memory. One pull writes every event ready by
 * the end of the event-loop turn as one chunk, so a burst of tokens (the frames of a batch step,
 * or tokens that queued while this process was busy) costs one socket write, not one each.
 * Cancelling the stream cancels generation.
 */
export function toByteStream(events: AsyncIterable<RunEvent>, encode: (event: RunEvent) => string): ReadableStream<Uint8Array> {
  const iterator = events[Symbol.asyncIterator]();
  /** A next() that lost the race against the turn's end, kept for the following pull. */
  let pending: Promise<IteratorResult<RunEvent>> | undefined;
  const next = () => {
    const taken = pending ?? iterator.next();
    pending = undefined;
    return taken;
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let text = "";
        try {
          let deadline: Promise<undefined> | undefined;
          for (;;) {
            // Until there is something to write, wait as long as it takes: with highWaterMark 0
            // a pull that enqueues nothing is never asked again.
            const taken = next();
            const result = deadline ? await Promise.race([taken, deadline]) : await taken;
            if (result === undefined) {
              pending = taken;
              // A rejection now has no awaiter until the next pull; it is not unhandled.
              taken.catch(() => undefined);
              controller.enqueue(encoder.encode(text));
              return;
            }
            if (result.done) {
              if (text) controller.enqueue(encoder.encode(text));
              controller.close();
              return;
            }
            text += encode(result.value);
            if (result.value.type === "done" || result.value.type === "error") {
              controller.enqueue(encoder.encode(text));
              // Finish the source now: that is what releases the model's slot.
              await iterator.return?.();
              controller.close();
              return;
            }
            // An event a surface does not show encodes to nothing; the wait goes on.
            if (text && !deadline) deadline = turnEnd();
          }
        } catch (error) {
          controller.enqueue(encoder.encode(text + encode({ type: "error", error: OutpostError.from(error).toWire() })));
          controller.close();
        }
      },
      async cancel() {
        pending = undefined;
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
