/** The library entry point: an in-process `env.AI`, a remote one, and the types they speak. */
export { createOutpost, type Outpost } from "./cli/outpost.js";
export { Ai, InferenceUpstreamError, createRemoteAi, type AiOptions } from "./binding/index.js";
export { AiGateway, AiGatewayInternalError, AiGatewayLogNotFound, type AiGatewayLog, type AiGatewayPatchLog, type AiGatewayUniversalRequest } from "./binding/index.js";
export { OutpostError, type ErrorCode, type RunEvent, type RunOptions, type RunResult, type ModelSearchItem, type ModelSearchParams } from "./contract/index.js";
export type { Config } from "./config/index.js";
