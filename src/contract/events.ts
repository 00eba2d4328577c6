export interface EventHooks<T> {
  /** Called for each item as it passes. */
  event?(event: T): void;
  /** Called exactly once: when the source ends, fails, or the consumer stops early. */
  finish?(): void;
}

/**
 * Passes a stream (a result's events or a body's chunks) through, watching it. Unlike an async generator wrapper, stopping it
 * (`return()`) always reaches the source and runs `finish`, even if it was never read: a
 * client that cancels an unread stream must still free its slot and stop its generation.
 */
export function tapEvents<T>(source: AsyncIterable<T>, hooks: EventHooks<T>, first?: T): AsyncIterable<T> {
  const iterator = source[Symbol.asyncIterator]();
  let pendingFirst = first;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    hooks.finish?.();
  };
  const stream: AsyncIterator<T> = {
    async next() {
      if (pendingFirst !== undefined) {
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
