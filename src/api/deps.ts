import type { Backend, RequestRecord } from "../contract/index.js";
import type { RunFn } from "../binding/index.js";

/** What every HTTP surface is built from. */
export interface ApiDeps {
  run: RunFn;
  backend: Backend;
  maxBodyBytes: number;
  /** Prometheus exposition for GET /metrics. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** Finished requests, newest first, for GET /api/requests. */
  recentRequests?: () => RequestRecord[];
}
