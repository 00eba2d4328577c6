import type { RunEvent } from "./run.js";

export interface EventHooks {
  /** Called for each event as it passes. */
  event?(event: RunEvent): void;
  /** Called exactly once: when the source ends, fails, or the consumer stops early. */
  finish?(): void;
}

/**
 * Passes a token stream through, watching it. Unlike an async generator wrapper, stopping it
 * (`return()`) always reaches the source and runs `finish`, even if it was never read: a
 * client that cancels an unread stream must still free its slot and stop its generation.
 */
export function tapEvents(source: AsyncIterable<RunEvent>, hooks: EventHooks, first?: RunEvent): AsyncIterable<RunEvent> {
  const iterator = source[Symbol.asyncIterator]();
  let pendingFirst = first;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    hooks.finish?.();
  };
  const stream: AsyncIterator<RunEvent> = {
    async next() {
      if (pendingFirst) {
        const value = pendingFirst;
        pendingFirst = undefined;
        hooks.event?.(value);
        return { done: false, value };
      }
      try {
        const result = await iterator.next();
        if (result.done) finish();
        else hooks.event?.(result.value);
        return result;
      } catch (error) {
        finish();
        throw error;
      }
    },
    async return() {
      try {
        await iterator.return?.();
      } finally {
        finish();
      }
      return { done: true, value: undefined };
    },
  };
  return { [Symbol.asyncIterator]: () => stream };
}
