import { OutpostError } from "../contract/index.js";
import type { Gateway } from "./settings.js";

/**
 * Per-gateway request rate, as AI Gateway limits it: `fixed` counts requests in the current
 * window; `sliding` also weighs the previous window by how much of it still overlaps the last
 * period. Counts live in this process (in network mode, each node limits on its own).
 */
export class GatewayRateLimiter {
  readonly #now: () => number;
  readonly #windows = new Map<string, { start: number; count: number; previous: number }>();

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Counts one request, or throws RATE_LIMITED with the seconds until one fits. */
  admit(gateway: Gateway): void {
    const limit = gateway.rateLimit;
    if (!limit) return;
    const periodMs = limit.periodS * 1000;
    const now = this.#now();
    const start = now - (now % periodMs);
    let window = this.#windows.get(gateway.id);
    if (!window || window.start !== start) {
      window = { start, count: 0, previous: window && window.start === start - periodMs ? window.count : 0 };
      this.#windows.set(gateway.id, window);
    }
    const overlap = limit.technique === "sliding" ? window.previous * (1 - (now - start) / periodMs) : 0;
    if (window.count + overlap >= limit.limit) {
      const retryAfterS = Math.max(1, Math.ceil((start + periodMs - now) / 1000));
      throw new OutpostError("RATE_LIMITED", `Rate limited: gateway ${gateway.id} allows ${limit.limit} requests per ${limit.periodS} s`, { retryAfterS });
    }
    window.count += 1;
  }
}
