/**
 * The database's schema, one migration per entry, applied in order; `PRAGMA user_version`
 * records how many ran. Never edit a released entry: append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE accounts (
     id TEXT PRIMARY KEY,
     created_at TEXT NOT NULL,
     -- Neurons per UTC day; NULL: unlimited.
     daily_neurons REAL,
     -- JSON {"<task or model id>": requests per minute}, over the default table.
     rate_limits TEXT NOT NULL DEFAULT '{}'
   );
   CREATE TABLE tokens (
     id TEXT PRIMARY KEY,
     -- sha256 of the secret, hex: the secret itself is never stored.
     hash TEXT NOT NULL UNIQUE,
     account TEXT NOT NULL REFERENCES accounts(id),
     scope TEXT NOT NULL CHECK (scope IN ('read', 'run', 'admin')),
     models TEXT NOT NULL DEFAULT '[]',
     name TEXT NOT NULL DEFAULT '',
     created_at TEXT NOT NULL,
     expires_at TEXT,
     revoked_at TEXT
   );
   CREATE TABLE usage (
     account TEXT NOT NULL,
     model TEXT NOT NULL,
     -- Start of the UTC hour, ISO 8601 (2026-12-01T23:00:00.000Z).
     hour TEXT NOT NULL,
     requests INTEGER NOT NULL DEFAULT 0,
     errors INTEGER NOT NULL DEFAULT 0,
     input_tokens INTEGER NOT NULL DEFAULT 0,
     output_tokens INTEGER NOT NULL DEFAULT 0,
     neurons REAL NOT NULL DEFAULT 0,
     PRIMARY KEY (account, model, hour)
   );`,
  // The request log: one row per finished request, kept for OUTPOST_REQUEST_LOG_DAYS. Other
  // modules add their own facts in `attributes` (a JSON object) rather than new columns.
  `CREATE TABLE requests (
     id INTEGER PRIMARY KEY,
     -- When the request ended, ISO 8601.
     at TEXT NOT NULL,
     account TEXT NOT NULL,
     -- The token's id (never its secret); NULL for the open server's anonymous caller.
     token_id TEXT,
     model TEXT NOT NULL,
     task TEXT NOT NULL,
     status INTEGER NOT NULL,
     latency_ms REAL NOT NULL,
     ttft_ms REAL,
     input_tokens INTEGER NOT NULL DEFAULT 0,
     output_tokens INTEGER NOT NULL DEFAULT 0,
     neurons REAL NOT NULL DEFAULT 0,
     city TEXT,
     attributes TEXT NOT NULL DEFAULT '{}'
   );
   CREATE INDEX requests_at ON requests (at);
   CREATE INDEX requests_account_at ON requests (account, at);`,
  // When an account's limits last changed (ISO 8601): in network mode the latest change wins.
  `ALTER TABLE accounts ADD COLUMN updated_at TEXT;`,
  // AI Gateway (src/gateway): named gateways, their cache and their request logs.
  `CREATE TABLE gateways (
     id TEXT PRIMARY KEY,
     -- JSON of the settings (src/gateway/settings.ts), every field present.
     settings TEXT NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     -- Set by outpost gateways rm: kept, so that network mode replicates the removal.
     deleted_at TEXT
   );
   CREATE TABLE gateway_cache (
     key TEXT PRIMARY KEY,
     gateway TEXT NOT NULL,
     payload TEXT NOT NULL,
     -- Epoch ms.
     stored_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE TABLE gateway_logs (
     id TEXT PRIMARY KEY,
     gateway TEXT NOT NULL,
     -- When the request ended, ISO 8601.
     at TEXT NOT NULL,
     account TEXT NOT NULL,
     model TEXT NOT NULL,
     served_model TEXT NOT NULL,
     status INTEGER NOT NULL,
     cache_status TEXT NOT NULL,
     latency_ms REAL NOT NULL,
     input_tokens INTEGER NOT NULL DEFAULT 0,
     output_tokens INTEGER NOT NULL DEFAULT 0,
     neurons REAL NOT NULL DEFAULT 0,
     -- JSON: the models tried before the one that served, each with its error code.
     attempts TEXT NOT NULL DEFAULT '[]',
     metadata TEXT NOT NULL DEFAULT '{}',
     event_id TEXT,
     -- NULL when the gateway redacts them.
     inputs TEXT,
     output TEXT,
     error TEXT
   );
   CREATE INDEX gateway_logs_gateway_at ON gateway_logs (gateway, at);`,
  // AI Gateway's patchLog: the caller's feedback (-1 or 1) and score (0 to 100) on one request.
  `ALTER TABLE gateway_logs ADD COLUMN feedback INTEGER;
   ALTER TABLE gateway_logs ADD COLUMN score REAL;`,
];
