export { DATABASE_FILE, databaseError, openDatabase, type Database } from "./database.js";
export { parseDuration, TOKEN_PREFIX, TokenStore } from "./tokens.js";
