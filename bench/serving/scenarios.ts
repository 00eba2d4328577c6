/** Failure-mode scenarios through Outpost's HTTP API: a flash crowd and a runner crash. */
import { percentile } from "./stats.js";
import { plainRun, startOutpost, streamRun, warmConnections } from "./outpost.js";

export interface FlashCrowdResult {
  slots: number;
  maxQueue: number;
  /** Requests sent at once per burst (10× slots). */
  burst: number;
  bursts: number;
  ok: number;
  rejected: number;
  other: number;
  rejectP50Ms: number;
  rejectP99Ms: number;
  rssBeforeBytes: number;
  /** Server + runners after each burst has finished. */
  rssAfterBytes: number[];
  serverAlive: boolean;
}

/**
 * 10× slots of streamed requests at the same instant, `bursts` times: the excess beyond slots
 * + queue must come back 429 at once, the rest complete, and memory must not grow per burst.
 * Connections are opened beforehand, so the 429 latency is Outpost's, not the TCP handshake's.
 */
export async function flashCrowd(flags: Record<string, string | number>, model: string, options: { slots: number; maxQueue: number; bursts: number; maxTokens: number }): Promise<FlashCrowdResult> {
  const server = await startOutpost({ ...flags, slots: options.slots, "max-queue": options.maxQueue });
  try {
    const inputs = { prompt: "Once upon a time", max_tokens: options.maxTokens, temperature: 0 };
    await plainRun(server.url, model, inputs); // load the runner first: the crowd meets a warm model
    const rssBeforeBytes = server.rssBytes();
    const burst = options.slots * 10;
    const statuses: number[] = [];
    const rejectMs: number[] = [];
    const rssAfterBytes: number[] = [];
    for (let b = 0; b < options.bursts; b++) {
      await warmConnections(server.url, burst);
      const results = await Promise.all(Array.from({ length: burst }, () => streamRun(server.url, model, inputs)));
      for (const r of results) {
        statuses.push(r.status);
        if (r.status === 429) rejectMs.push(r.endMs - r.startMs);
      }
      rssAfterBytes.push(server.rssBytes());
    }
    const serverAlive = (await plainRun(server.url, model, inputs)) === 200;
    return {
      slots: options.slots,
      maxQueue: options.maxQueue,
      burst,
      bursts: options.bursts,
      ok: statuses.filter((s) => s === 200).length,
      rejected: rejectMs.length,
      other: statuses.filter((s) => s !== 200 && s !== 429).length,
      rejectP50Ms: percentile(rejectMs, 50),
      rejectP99Ms: percentile(rejectMs, 99),
      rssBeforeBytes,
      rssAfterBytes,
      serverAlive,
    };
  } finally {
    await server.stop();
  }
}

/** Longest a crash recovery is waited for before it is reported as failed. */
const RECOVERY_DEADLINE_MS = 30_000;

export interface CrashRecoveryResult {
  /** Status of the request that crashed the runner (422 expected: it crashed its retry too). */
  crashStatus: number;
  /** From the crash answer to the first successful request's answer, ms; null if none within 30 s. */
  recoveryMs: number | null;
}

/**
 * TinyStories-656K aborts llama.cpp on a character outside its vocabulary (`#`): the runner
 * dies, and the clock runs from that answer until a valid request succeeds again. Repeated
 * `crashes` times in a row, each with its own input (a repeated one is refused without a crash),
 * so any restart backoff shows.
 */
export async function crashRecovery(flags: Record<string, string | number>, model: string, crashes: number): Promise<CrashRecoveryResult[]> {
  const server = await startOutpost(flags);
  const valid = { prompt: "Once upon a time", max_tokens: 8, temperature: 0 };
  try {
    await plainRun(server.url, model, valid);
    const results: CrashRecoveryResult[] = [];
    for (let i = 0; i < crashes; i++) {
      const crashStatus = await plainRun(server.url, model, { prompt: `#${i}`, max_tokens: 8 });
      const crashedAt = performance.now();
      // Each try waits for the restart inside the server; retry only if one is refused outright.
      let recovered = false;
      while (!recovered && performance.now() - crashedAt < RECOVERY_DEADLINE_MS) {
        recovered = (await plainRun(server.url, model, valid)) === 200;
        if (!recovered) await new Promise((r) => setTimeout(r, 10));
      }
      results.push({ crashStatus, recoveryMs: recovered ? performance.now() - crashedAt : null });
    }
    return results;
  } finally {
    await server.stop();
  }
}
