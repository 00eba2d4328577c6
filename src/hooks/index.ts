export { PluginHost, type PluginHostOptions } from "./plugin-host.js";
export { HOOK_NAMES, type HookContext, type HookName, type OnRequestContext, type Plugin, type PluginSpec, type RequestDecision, type ResponseSummary, type TokenContext, type TokenDecision } from "./types.js";
