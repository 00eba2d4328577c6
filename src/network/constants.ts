/** How often a node publishes its capacity advert (it also publishes at once on every change). */
export const ADVERT_INTERVAL_MS = 1_000;
/** A reader drops a node whose adverts stopped this long ago (3 missed adverts). */
export const ADVERT_TTL_MS = 3 * ADVERT_INTERVAL_MS;
/** Shortest gap between two change-triggered adverts: bursts of admissions coalesce into one. */
export const ADVERT_MIN_GAP_MS = 20;
/**
 * Durable registry (JetStream KV) write period and bucket TTL. KV writes pause 5-7 s while a new
 * stream leader is elected (nats-server 2.9), so the TTL is well above 3 x period + election.
 */
export const REGISTRY_INTERVAL_MS = 5_000;
export const REGISTRY_TTL_MS = 30_000;
/** Round-trip probes to every known node (the estimate is the minimum of the last RTT_SAMPLES). */
export const PING_INTERVAL_MS = 2_000;
export const RTT_SAMPLES = 8;
export const RTT_MIN_SAMPLES = 5;
export const PING_TIMEOUT_MS = 1_000;
/**
 * How long a serving node holds its accept (and a head frame) for the first data frame to carry
 * it: a one-token answer then crosses NATS as one message. Far below the accept deadline
 * (OUTPOST_ACCEPT_TIMEOUT_MS, 300 ms by default), which it delays for slow starts only.
 */
export const ACCEPT_FOLD_MS = 20;
/** A serving node sends a heartbeat when it has sent nothing else for this long (queueing, prefill). */
export const HEARTBEAT_MS = 150;
/** A caller gives up on a node that sent nothing for this long: it was killed or frozen. */
export const IDLE_TIMEOUT_MS = 700;
/** A node that failed a request is left out of placement this long, unless it adverts again. */
export const SUSPECT_MS = 10_000;
/** A server aborts a stream whose caller granted no credit (contract/frames.ts) for this long (a stuck or vanished consumer). */
export const CREDIT_STALL_MS = 60_000;
/** Most nodes one request is offered to before it fails. */
export const MAX_ATTEMPTS = 6;
/**
 * Largest job a node pulls from a caller (jobs over FRAME_CHUNK_BYTES travel in pieces, so
 * nats-server's 1 MiB max_payload never caps them): above the HTTP body limit's default.
 */
export const MAX_JOB_BYTES = 64 * 1024 * 1024;
/** Fibre carries light at about 200 km per ms, so a round trip costs at least 1 ms per 100 km. */
export const KM_PER_RTT_MS = 100;
/** JetStream calls at start-up give up after this long; a node without JetStream retries this often. */
export const JETSTREAM_TIMEOUT_MS = 2_000;
export const JETSTREAM_RETRY_MS = 3_000;
/** Object Store bucket holding published model files, and the KV bucket of the node registry. */
export const MODELS_BUCKET = "outpost-models";
export const NODES_BUCKET = "outpost-nodes";
/** JetStream KV bucket of tokens (hashes, never secrets) and accounts, and how often a node looks for local changes to push, in ms. */
export const ACCOUNTS_BUCKET = "outpost-accounts";
export const ACCOUNTS_POLL_MS = 1_000;
/**
 * JetStream KV bucket of the gateway caches: entries live at most the longest gateway TTL (30
 * days), the bucket holds at most this many bytes (oldest out first), and one entry must fit a
 * NATS message (nats-server's default max_payload is 1 MiB, less the headers).
 */
export const GATEWAY_CACHE_BUCKET = "outpost-gateway-cache";
export const GATEWAY_CACHE_MAX_TTL_MS = 2_592_000_000;
export const GATEWAY_CACHE_MAX_BYTES = 1024 * 1024 * 1024;
export const GATEWAY_CACHE_MAX_ENTRY_BYTES = 1_000_000;
