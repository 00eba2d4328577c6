export { listAccounts, setAccountLimits, type AccountInfo } from "./accounts.js";
export { DATABASE_FILE, databaseError, guarded, openDatabase, statement, type Database } from "./database.js";
export { WatchedDatabase, type DatabaseHandle } from "./watched-database.js";
export { parseDuration, TOKEN_PREFIX, TokenStore } from "./tokens.js";
export { DEFAULT_RATE_LIMITS, RateLimiter } from "./limits.js";
export { DEFAULT_RATES, neuronsFor, type NeuronRate } from "./neurons.js";
export { queryRequests, queryUsage, USAGE_GROUPS, UsageLog, type RequestQuery, type UsageGroup, type UsageQuery, type UsageRow } from "./usage.js";
export { percentile, queryLatency, type LatencyQuery, type LatencyRow } from "./latency.js";
export { ReplicatedAccounts } from "./replica.js";
