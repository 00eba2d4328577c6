export * from "./errors.js";
export * from "./run.js";
export * from "./model.js";
export * from "./events.js";
export * from "./store.js";
export * from "./requests.js";
export * from "./residency.js";
