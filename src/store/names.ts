import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { OutpostError } from "../contract/index.js";
import { MAX_MODEL_NAME_LENGTH } from "./constants.js";

/**
 * One path segment of a model name or file name. Starting with a letter, digit, `@`, `_`, `+` or
 * `-` rules out `.`, `..` and hidden files; leaving out `/`, `\`, `:` and NUL rules out paths,
 * drive letters and separators on every platform.
 */
const SEGMENT = /^[A-Za-z0-9@_+-][A-Za-z0-9@._+-]*$/;

/**
 * A model name safe to turn into a manifest path: `/`-separated segments as in Workers AI ids
 * (`@cf/meta/llama-2-7b-chat-int8`) or a plain custom name (`my-model`). Throws INPUT_INVALID.
 */
export function checkModelName(name: string): string {
  const ok = name.length > 0 && name.length <= MAX_MODEL_NAME_LENGTH && name.split("/").every((segment) => SEGMENT.test(segment));
  if (!ok) {
    throw new OutpostError(
      "INPUT_INVALID",
      `Invalid model name '${printable(name)}': use up to ${MAX_MODEL_NAME_LENGTH} characters of letters, digits and @._+- in /-separated parts, none starting with a dot`,
    );
  }
  return name;
}

/** A bare file name (no directory part), as stored in a mirror directory. Throws INPUT_INVALID. */
export function checkFileName(name: string): string {
  if (name.length > MAX_MODEL_NAME_LENGTH || !SEGMENT.test(name)) {
    throw new OutpostError("INPUT_INVALID", `Invalid model file name '${printable(name)}': a bare name of letters, digits and @._+-, not starting with a dot`);
  }
  return name;
}

/** Hosts that never leave this machine, where plain http cannot be intercepted on the way. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The download rule, applied to every URL and every redirect hop: https anywhere; plain http
 * only to a loopback host or to `trustedOrigin` (the Hugging Face endpoint an operator set
 * explicitly, e.g. a proxy inside an air-gapped network). Throws INPUT_INVALID.
 */
export function checkDownloadUrl(raw: string | URL, trustedOrigin?: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutpostError("INPUT_INVALID", `Invalid URL '${printable(String(raw))}'`);
  }
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && (isLoopback(url.hostname) || url.origin === trustedOrigin)) return url;
  throw new OutpostError(
    "INPUT_INVALID",
    `Refusing to download ${safeUrl(url)}: only https URLs are pulled (plain http only from a loopback host or the configured OUTPOST_HF_ENDPOINT)`,
  );
}

/** Where a custom model's file comes from: a URL to pull, or a local file to copy in. */
export type ModelSource = { kind: "url"; url: URL } | { kind: "file"; path: string };

/**
 * Parses the `<file-or-url>` of `outpost models add`: an https (or loopback http) URL, a
 * `file:` URL or a local path, made absolute against `cwd`. Other schemes are refused.
 */
export function parseModelSource(raw: string, cwd: string, trustedOrigin?: string): ModelSource {
  // A single letter before the colon is a Windows drive, not a scheme.
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]+):/.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: "file", path: resolve(cwd, raw) };
  if (scheme === "file") {
    try {
      return { kind: "file", path: fileURLToPath(raw) };
    } catch (error) {
      throw new OutpostError("INPUT_INVALID", `Invalid file URL '${printable(raw)}'`, { cause: error });
    }
  }
  if (scheme === "https" || scheme === "http") return { kind: "url", url: checkDownloadUrl(raw, trustedOrigin) };
  throw new OutpostError("INPUT_INVALID", `Unsupported URL scheme '${scheme}:' in '${printable(raw)}': use https:, file: or a local path`);
}

/** A URL fit for logs and status: no credentials, no query (signed CDN URLs carry tokens there). */
export function safeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Keeps control characters of hostile input out of messages and terminals. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.slice(0, MAX_MODEL_NAME_LENGTH).replace(/[\u0000-\u001f\u007f]/g, "?");
}
