import { OutpostError } from "../contract/index.js";

/** A source's answer to "send the file from byte `offset`". */
export interface Opened {
  /** Byte `body` starts at: the requested offset, or 0 when the source sent the whole file. */
  start: number;
  /** Whole file size, when the source tells it. */
  totalBytes: number | undefined;
  /** ETag or Last-Modified, sent back as If-Range when resuming, so changed content restarts. */
  validator?: string;
  /** sha256 (hex) the source vouches for, e.g. Hugging Face's X-Linked-Etag for LFS files. */
  sha256?: string;
  body: AsyncIterable<Uint8Array>;
  /** Stops the body early (the pull refuses it before reading). */
  cancel(): Promise<void>;
}

/**
 * One place a model file can be fetched from: a mirror file, Hugging Face, a URL. `open`'s
 * errors do not name the source: the pull puts `label` before each one, so it appears once.
 */
export interface Source {
  /** A name without credentials or server directories, for status and messages. */
  readonly label: string;
  open(offset: number, validator: string | undefined, signal: AbortSignal): Promise<Opened>;
}

const TRANSIENT = new WeakSet<Error>();

/** Marks a failure worth another attempt at the same source (5xx, 429, a cut connection). */
export function transient(error: OutpostError): OutpostError {
  TRANSIENT.add(error);
  return error;
}

/**
 * Whether retrying the same source may help. Errors that are not OutpostErrors come from the
 * network (reset, refused, cut mid-body) and are transient; OutpostErrors are final unless
 * marked, because they say the source answered and refused or sent wrong bytes.
 */
export function isTransient(error: unknown): boolean {
  return error instanceof OutpostError ? TRANSIENT.has(error) : true;
}
