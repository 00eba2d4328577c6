import { OutpostError, tapEvents, type Backend, type RunEvent, type RunOptions, type RunResult } from "../contract/index.js";
import { getTask, type Prepared, type Task } from "../tasks/index.js";

export type RunFn = (model: string, inputs: unknown, options?: RunOptions) => Promise<RunResult>;

/**
 * The one contract every surface adapts: validate inputs against the model's task, execute on
 * the backend, shape the output. A stream whose first event is an error rejects instead, so
 * surfaces can still answer with a proper status before any bytes are sent. The inputs are
 * turned into the engine's job before anything waits, and only the job is kept: a request in
 * a queue does not hold its parsed body.
 */
export function createRun(backend: Backend): RunFn {
  return (model, inputs, options = {}) => {
    let prepared: Prepared & { task: Task };
    try {
      const descriptor = backend.describe(model);
      const task = getTask(descriptor.task);
      prepared = { task, ...task.prepare(inputs, descriptor) };
    } catch (error) {
      return Promise.reject(error);
    }
    return execute(backend, model, prepared, options);
  };
}

async function execute(backend: Backend, model: string, prepared: Prepared & { task: Task }, options: RunOptions): Promise<RunResult> {
  const result = await prepared.task.shape(await backend.execute(model, prepared.job, options), prepared);
  if (result.kind !== "events") return result;
  return { kind: "events", events: await startStream(result.events) };
}

async function startStream(events: AsyncIterable<RunEvent>): Promise<AsyncIterable<RunEvent>> {
  const iterator = events[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) throw new OutpostError("INTERNAL", "Token stream ended without a final event");
  if (first.value.type === "error") {
    await iterator.return?.();
    throw OutpostError.fromWire(first.value.error);
  }
  return tapEvents({ [Symbol.asyncIterator]: () => iterator }, {}, first.value);
}
