import { OutpostError } from "../contract/index.js";
import { isLocalHost, resolveHost, type ResolveHost } from "./address.js";
import { MAX_REDIRECTS } from "./constants.js";
import { checkDownloadUrl, safeUrl } from "./names.js";
import { transient, type Opened, type Source } from "./source.js";

export interface HttpSourceOptions {
  url: URL;
  /** Bearer token, sent only to `tokenOrigin` (never to the CDN a redirect leads to). */
  token?: string;
  tokenOrigin?: string;
  /** An http origin the operator configured, allowed besides https and loopback. */
  trustedOrigin?: string;
  /** DNS, for the redirect rule; default the system resolver. */
  resolveHost?: ResolveHost;
}

/**
 * A file over HTTP(S) with resume: `Range: bytes=<offset>-` plus `If-Range`, so a file that
 * changed since the partial was written is sent whole and the pull restarts. Redirects are
 * followed by hand so every hop passes the https rule and the token stays with its origin, and
 * so a source on the public internet cannot redirect a pull onto this machine or its private
 * network (another local service, a cloud metadata address). The rule is checked on the names'
 * addresses before each hop; fetch resolves again, so a name re-pointed in between (DNS
 * rebinding) is not caught here.
 */
export class HttpSource implements Source {
  readonly label: string;
  readonly #options: HttpSourceOptions;

  constructor(options: HttpSourceOptions) {
    this.#options = options;
    this.label = safeUrl(options.url);
  }

  async open(offset: number, validator: string | undefined, signal: AbortSignal): Promise<Opened> {
    let url = this.#options.url;
    let linkedSha256: string | undefined;
    const resolve = this.#options.resolveHost ?? resolveHost;
    let fromLocal: boolean | undefined;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      checkDownloadUrl(url, this.#options.trustedOrigin);
      if (hop > 0) {
        fromLocal ??= await isLocalHost(this.#options.url, resolve);
        if (!fromLocal && (await isLocalHost(url, resolve))) {
          throw new OutpostError("PULL_FAILED", `redirected to ${safeUrl(url)}, a loopback or private address: a pull from a public host is never redirected there`);
        }
      }
      const headers: Record<string, string> = { "accept-encoding": "identity", "user-agent": "outpost" };
      if (offset > 0) headers.range = `bytes=${offset}-`;
      if (offset > 0 && validator) headers["if-range"] = validator;
      if (this.#options.token && url.origin === this.#options.tokenOrigin) headers.authorization = `Bearer ${this.#options.token}`;
      const response = await fetch(url, { headers, redirect: "manual", signal }).catch((error: unknown) => {
        if (signal.aborted) throw error;
        // fetch says only "fetch failed"; the reason (refused, reset, DNS) is its cause.
        const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
        const where = hop > 0 ? ` ${safeUrl(url)}, where it was redirected` : "";
        throw transient(new OutpostError("PULL_FAILED", `cannot reach${where}: ${reason}`, { cause: error }));
      });
      linkedSha256 ??= sha256FromEtag(response.headers.get("x-linked-etag"));
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        url = new URL(location, url);
        continue;
      }
      return this.#opened(response, offset, linkedSha256, signal);
    }
    throw new OutpostError("PULL_FAILED", `more than ${MAX_REDIRECTS} redirects`);
  }

  async #opened(response: Response, offset: number, sha256: string | undefined, signal: AbortSignal): Promise<Opened> {
    const { status } = response;
    if (status === 416 && offset > 0) {
      // The partial is as long as the file or longer: ask for all of it again.
      await response.body?.cancel();
      return this.open(0, undefined, signal);
    }
    if (status !== 200 && status !== 206) {
      await response.body?.cancel();
      throw this.#statusError(status);
    }
    const etag = response.headers.get("etag");
    const validator = (etag && !etag.startsWith("W/") ? etag : undefined) ?? response.headers.get("last-modified") ?? undefined;
    const cancel = async () => void (await response.body?.cancel().catch(() => undefined));
    let start = 0;
    let totalBytes = lengthOf(response.headers.get("content-length"));
    if (status === 206) {
      const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get("content-range") ?? "");
      if (!range || Number(range[1]) !== offset) {
        await cancel();
        throw new OutpostError("PULL_FAILED", `answered a range request with a range it was not asked for`);
      }
      start = offset;
      totalBytes = range[3] === "*" ? undefined : Number(range[3]);
    }
    return { start, totalBytes, validator, sha256, body: chunks(response), cancel };
  }

  #statusError(status: number): OutpostError {
    const message = `answered HTTP ${status}`;
    if (status === 408 || status === 429 || status >= 500) return transient(new OutpostError("PULL_FAILED", message));
    if (status === 401 || status === 403) {
      return new OutpostError("PULL_FAILED", `${message}: the repository may be gated or private; set OUTPOST_HF_TOKEN (or HF_TOKEN) to a token that can read it`);
    }
    return new OutpostError("PULL_FAILED", message);
  }
}

/** Hugging Face sends an LFS file's sha256 as its X-Linked-Etag, quoted. */
function sha256FromEtag(etag: string | null): string | undefined {
  const value = etag?.replace(/^W\//, "").replaceAll('"', "").toLowerCase();
  return value && /^[0-9a-f]{64}$/.test(value) ? value : undefined;
}

function lengthOf(header: string | null): number | undefined {
  return header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
}

/**
 * The body's chunks. It takes the Response, not its body, on purpose: undici cancels the unread
 * body of a Response that is garbage-collected, which looks like a clean end after 0 bytes, and
 * the pull does file work between opening the response and reading it.
 */
async function* chunks(response: Response): AsyncIterable<Uint8Array> {
  if (!response.body) return;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Ends the transfer when the reader stops early; a no-op after the last chunk.
    await reader.cancel().catch(() => undefined);
  }
}
