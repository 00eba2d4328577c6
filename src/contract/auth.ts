/** What a token may do; each scope includes the ones before it. */
export const SCOPES = ["read", "run", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** Who a request comes from: the token it presented, or the open server's anonymous caller. */
export interface Principal {
  /** The token's id (never its secret); undefined for the anonymous caller of an open server. */
  tokenId?: string;
  account: string;
  scope: Scope;
  /** Model id globs the token is limited to (`@cf/meta/*`); empty: every model. */
  models: string[];
}

/** What the HTTP surfaces need to authenticate requests. */
export interface Authenticator {
  /** False while no token exists: the server is open (to loopback only, unless told otherwise). */
  enabled(): boolean;
  /** The principal of a presented token secret; undefined when it is malformed, unknown, expired or revoked. */
  verify(secret: string): Principal | undefined;
  /** The principal of a token id still valid now (a dashboard session outliving a revoked token ends). */
  principal(tokenId: string): Principal | undefined;
}

/** A token as listed: everything but the secret, which only `create` ever returns. */
export interface TokenInfo {
  id: string;
  account: string;
  scope: Scope;
  models: string[];
  name: string;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
}

export interface CreateToken {
  account: string;
  scope: Scope;
  models?: string[];
  name?: string;
  /** Lifetime in ms; undefined: until revoked. */
  expiresInMs?: number;
}

/** Token administration, for `outpost tokens` and the admin API. */
export interface TokenAdmin {
  /** Makes a token; the returned secret is shown once and never again. */
  create(request: CreateToken): { token: string; info: TokenInfo };
  list(): TokenInfo[];
  /** False when there is no such token, or it was revoked already. */
  revoke(id: string): boolean;
}

/**
 * What network mode replicates between the nodes' databases: tokens (the hash, scope, models,
 * expiry and revocation, never the secret) and accounts' limits, each a JSON value under a key
 * (`token.<id>`, `account.<id>`).
 */
export interface ReplicaSource {
  /** Every record as stored here now. */
  records(): { key: string; value: string }[];
  /**
   * Joins a record from another node into this one's and returns the joined value. A join: in
   * whatever order nodes merge each other's values, they end with the same one.
   */
  merge(key: string, value: string): string;
}

export function scopeIncludes(held: Scope, needed: Scope): boolean {
  return SCOPES.indexOf(held) >= SCOPES.indexOf(needed);
}

/** Whether a model id matches one of a token's globs (`*` matches any run of characters, slashes too). */
export function modelAllowed(globs: readonly string[], model: string): boolean {
  if (globs.length === 0) return true;
  return globs.some((glob) => new RegExp(`^${glob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(model));
}
