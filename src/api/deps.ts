import type { Authenticator, Backend, ModelAdmin, Principal, RequestRecord, SystemReport, TokenAdmin } from "../contract/index.js";
import type { LatencyQuery, LatencyRow, RequestQuery, UsageQuery, UsageRow } from "../accounts/index.js";
import type { RunFn } from "../binding/index.js";
import type { GatewaySurface } from "../gateway/index.js";
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
  /**
   * Per-account admission (rate limits, the daily neuron allocation), checked as soon as the
   * model is known: before the body is read where the path or a header names it. Throws RATE_LIMITED or ALLOCATION_EXCEEDED.
   */
  admit?: (principal: Principal | undefined, model: string, task: string) => void;
  /** Writes a request refused at authentication or admission (401, 403, 429) into the request log. */
  logRefusal?: (record: RequestRecord) => void;
  /** Usage in neurons and the request log, in the database: GET /api/usage, and GET /api/requests reads the log. */
  usage?: {
    usage(query: UsageQuery): { rows: UsageRow[]; total: number };
    requests(query: RequestQuery): RequestRecord[];
    /** p50/p99 latency per model from the request log: GET /api/latency. */
    latency(query: LatencyQuery): LatencyRow[];
  };
  /** AI Gateway: the gateways (`get` throws GATEWAY_NOT_FOUND) and their request logs, for GET /api/gateways and `env.AI.gateway(id)`. */
  gateways?: GatewaySurface;

  /** GET /api/system (admin): the GPU backend in use, devices, VRAM and the fallback reason; without it 404. */
  system?: () => Promise<SystemReport>;
  /** Network mode: the operations view served at GET /network. */
  network?: { view(): unknown };
}
