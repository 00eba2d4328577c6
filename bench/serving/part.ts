/**
 * What a part of `npm run bench` is: a name for `--parts`, flags of its own, and a run that
 * writes JSON lines and returns the tables to print. bench/serving.ts lists the parts in one
 * table; adding a benchmark is a file exporting a BenchPart and one line there.
 */
import type { BenchModel } from "./models.js";
import type { JsonLines } from "./report.js";

/** A flag as node:util parseArgs takes it; its value reaches the part as a string or boolean. */
export interface PartOption {
  type: "string" | "boolean";
  default?: string | boolean;
}

export interface BenchContext {
  quick: boolean;
  mode: "quick" | "full";
  /** Engine threads every side gets (llama.cpp, onnxruntime, whisper.cpp). */
  threads: number;
  /** `outpost serve` flags every server of the run shares: the mirror of bench models, one data dir, a long keep-alive. */
  serverFlags: Record<string, string | number>;
  /** The models chosen with --models, for parts that run each of them. */
  models: BenchModel[];
  /** Links a model into the run's mirror (registering a generated one) so a server can load it; returns it. */
  prepare(model: BenchModel): BenchModel;
  /** A flag's value, parts' own flags included. */
  flag(name: string): string;
  /** A comma-separated numeric flag. */
  ints(name: string): number[];
  out: JsonLines;
  /** Progress, to stderr. */
  log(line: string): void;
}

export interface BenchPart {
  /** Its name in `--parts`. */
  name: string;
  options?: Record<string, PartOption>;
  /** False: left out of `--quick` unless `--parts` names it (default true). */
  quick?: boolean;
  run(ctx: BenchContext): Promise<string[]>;
}
