import { OutpostError } from "../contract/index.js";
import type { Deadline } from "./deadline.js";

/**
 * Rejects with TIMEOUT if `promise` has not settled by `deadline` (undefined: no deadline), or
 * with the signal's reason once it aborts; the promise itself goes on.
 */
export function settleBy<T>(promise: Promise<T>, deadline: Deadline | undefined, signal: AbortSignal | undefined, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => done(() => reject(signal?.reason instanceof OutpostError ? signal.reason : new OutpostError("ABORTED", "The request was cancelled")));
    const disarm = deadline?.arm(() => done(() => reject(new OutpostError("TIMEOUT", message))));
    const done = (settle: () => void) => {
      disarm?.();
      signal?.removeEventListener("abort", onAbort);
      settle();
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => done(() => resolve(value)),
      (error: unknown) => done(() => reject(error)),
    );
  });
}
