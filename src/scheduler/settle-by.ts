import { OutpostError } from "../contract/index.js";

/**
 * Rejects with TIMEOUT if `promise` has not settled by `deadline` (Infinity: no deadline), or
 * with the signal's reason once it aborts; the promise itself goes on.
 */
export function settleBy<T>(promise: Promise<T>, deadline: number, signal: AbortSignal, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => done(() => reject(signal.reason instanceof OutpostError ? signal.reason : new OutpostError("ABORTED", "The request was cancelled")));
    const timer = Number.isFinite(deadline) ? setTimeout(() => done(() => reject(new OutpostError("TIMEOUT", message))), Math.max(0, deadline - Date.now())) : undefined;
    const done = (settle: () => void) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      settle();
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => done(() => resolve(value)),
      (error: unknown) => done(() => reject(error)),
    );
  });
}
