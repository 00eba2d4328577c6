import type { BodyLimits } from "./body-limits.js";
import type { EngineJob, EngineResult, ModelDescriptor, RunResult, TaskId } from "../contract/index.js";
import type { OutputPlan } from "./structured-output.js";

export type JsonSchema = Record<string, unknown>;

/** One Workers AI task: its schemas, how inputs become engine work, and how results are shaped. */
export interface Task {
  id: TaskId;
  /** The JSON Schema the validator enforces, as served by `models/schema`. */
  inputSchema: JsonSchema;
  outputSchema: JsonSchema;
  /** Schemas for one model, where its inputs differ from the task's (Workers AI's rerankers are text classification). */
  schemasFor?(model: ModelDescriptor): { input: JsonSchema; output: JsonSchema };
  /**
   * The input a raw (non-JSON) request body fills, for tasks that take a file as Workers AI's
   * REST API does (`audio`, `image`); absent: bodies are JSON only.
   */
  binaryInput?: string;
  /** Ceilings on the request body's structure, checked before it is parsed; default DEFAULT_BODY_LIMITS. */
  bodyLimits?: BodyLimits;
  /** Validates inputs (throws INPUT_INVALID) and builds the job for the model's engine. */
  prepare(inputs: unknown, model: ModelDescriptor): Prepared;
  /** Turns engine output into the task's output (a `bytes` body becomes a ReadableStream). */
  shape(result: EngineResult, prepared: Prepared): Promise<RunResult>;
}

export interface Prepared {
  job: EngineJob;
  stream: boolean;
  /** JSON mode or tools: what shape() checks and parses the generated text into. */
  output?: OutputPlan;
}
