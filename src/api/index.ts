export { createApp } from "./app.js";
export type { ApiDeps } from "./deps.js";
export { listSetting, type GuardSettings } from "./guards.js";
export { answerGatewayCall, type GatewayBindingCall } from "./gateway-binding.js";
