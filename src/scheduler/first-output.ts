import { OutpostError, tapEvents, type EngineResult } from "../contract/index.js";

export type Started = { ok: true; result: EngineResult } | { ok: false; error: OutpostError };

/**
 * Waits for a result's first item (a json value is whole already), so a failure before any
 * output can still be retried: then nothing has reached the caller. Otherwise the result goes
 * on with that item put back in front, and `finish` runs once when it ends or is stopped.
 */
export async function firstOutput(result: EngineResult, finish: () => void): Promise<Started> {
  if (result.kind === "json") {
    finish();
    return { ok: true, result };
  }
  if (result.kind === "events") {
    const iterator = result.events[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (!first.done && first.value.type === "error") return { ok: false, error: OutpostError.fromWire(first.value.error) };
    const rest = { [Symbol.asyncIterator]: () => iterator };
    return { ok: true, result: { kind: "events", events: tapEvents(rest, { finish }, first.done ? undefined : first.value) } };
  }
  const iterator = result.chunks[Symbol.asyncIterator]();
  let first: IteratorResult<Uint8Array>;
  try {
    first = await iterator.next();
  } catch (error) {
    return { ok: false, error: OutpostError.from(error) };
  }
  const rest = { [Symbol.asyncIterator]: () => iterator };
  return { ok: true, result: { ...result, chunks: tapEvents(rest, { finish }, first.done ? undefined : first.value) } };
}
