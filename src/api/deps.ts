import type { Authenticator, Backend, ModelAdmin, RequestRecord, TokenAdmin } from "../contract/index.js";
import type { RunFn } from "../binding/index.js";
import type { GuardSettings } from "./guards.js";

/** What every HTTP surface is built from. */
export interface ApiDeps {
  run: RunFn;
  backend: Backend;
  maxBodyBytes: number;
  /** Tokens: who may call what. Without it every caller is the open server's admin. */
  auth?: Authenticator & TokenAdmin;
  /** Host, Origin and CORS rules applied before any route. Default: a loopback server with no extra names and no CORS. */
  guards?: GuardSettings;
  /** Body bytes read but not yet parsed, over all requests at once; past it, 429. */
  maxBodyBytesInFlight: number;
  /** Prometheus exposition for GET /metrics. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** Pulls and local models for the admin surface (`/api`); without it those routes answer 404. */
  store?: ModelAdmin;
  /** Finished requests, newest first, for GET /api/requests. */
  recentRequests?: () => RequestRecord[];
  /** Network mode: the operations view served at GET /network. */
  network?: { view(): unknown };
}
