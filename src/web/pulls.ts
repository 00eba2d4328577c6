import { useCallback, useState } from "preact/hooks";
import { pull, type PullStatus } from "./api.js";

/** What the dashboard knows of a pull it started: its latest progress, or why it failed. */
export type PullState = { status: PullStatus } | { error: string };

/**
 * Pulls started anywhere in the dashboard (the catalog, a model picker), keyed by model, so
 * every place that shows a model shows the same progress. The server joins a second pull of a
 * model to the running one, so starting one twice is harmless.
 */
export function usePulls(refreshLocal: () => Promise<void>) {
  const [pulls, setPulls] = useState<ReadonlyMap<string, PullState>>(new Map());
  const set = (model: string, state: PullState) => setPulls((prev) => new Map(prev).set(model, state));

  const startPull = useCallback(
    async (model: string) => {
      try {
        for await (const status of pull(model)) set(model, status.state === "failed" ? { error: status.error?.message ?? "The pull failed." } : { status });
        await refreshLocal();
      } catch (error) {
        set(model, { error: (error as Error).message });
      }
    },
    [refreshLocal],
  );
  return { pulls, startPull };
}

/** Whether a pull of the model is under way. */
export function isPulling(state: PullState | undefined): boolean {
  return state !== undefined && "status" in state && state.status.state === "pulling";
}
