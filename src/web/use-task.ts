import { useState } from "preact/hooks";

/** One panel's request: whether it runs, its last result, or why it failed (the server's message). */
export interface TaskState<T> {
  busy: boolean;
  result?: T;
  error?: string;
  /** Starts `work`; its result (or error) replaces the last one. */
  run(work: () => Promise<T>): Promise<void>;
}

export function useTask<T>(): TaskState<T> {
  const [state, setState] = useState<{ busy: boolean; result?: T; error?: string }>({ busy: false });
  const run = async (work: () => Promise<T>) => {
    setState((last) => ({ ...last, busy: true, error: undefined }));
    try {
      setState({ busy: false, result: await work() });
    } catch (e) {
      setState({ busy: false, error: (e as Error).message });
    }
  };
  return { ...state, run };
}
