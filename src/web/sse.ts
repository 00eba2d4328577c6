/** One server-sent event: its `event:` name ("message" when absent) and its joined `data:` lines. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * Splits a text/event-stream into events as chunks arrive; a chunk may end anywhere, even
 * inside a line. Follows the HTML spec's field rules for `event`, `data` and comments.
 */
export class SseParser {
  #pending = "";

  push(chunk: string): SseEvent[] {
    this.#pending += chunk;
    const events: SseEvent[] = [];
    let end: RegExpExecArray | null;
    // A block ends at a blank line; a \r at the very end may still be the first half of \r\n.
    while ((end = /\r\n\r\n|\n\n|\r\r|\r\n\n|\n\r\n/.exec(this.#pending))) {
      const block = this.#pending.slice(0, end.index);
      this.#pending = this.#pending.slice(end.index + end[0].length);
      const event = parseBlock(block);
      if (event) events.push(event);
    }
    return events;
  }
}

function parseBlock(block: string): SseEvent | undefined {
  let event = "message";
  const data: string[] = [];
  for (const line of block.split(/\r\n|\r|\n/)) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return data.length > 0 ? { event, data: data.join("\n") } : undefined;
}

/** The events of a response body, in order, as they arrive. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode() + "\n\n");
  } finally {
    // Stopping early (break, return, an abort) cancels the body: that is what reaches the server.
    await reader.cancel().catch(() => undefined);
  }
}
