import { mkdtempSync, readdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MODEL_MIRROR } from "./server.js";

/** The real exports' mirror names (catalog `fileName`s) and the random-weight stand-in, under standins/, each is here. */
const STANDINS: Readonly<Record<string, string>> = {
  // whisper-large-v3-turbo's answer shape, on the stand-in's ggml file (English-only: it refuses translate).
  "ggml-large-v3-turbo.bin": "whisper-micro.en.bin",
  "m2m100_1.2B": "m2m100-tiny",
  "bart-large-cnn": "bart-tiny",
  "distilbert-base-uncased-finetuned-sst-2-english": "distilbert-sst2-tiny",
  "bge-reranker-base": "bge-reranker-tiny",
  "resnet-50": "resnet50-tiny",
  "detr-resnet-50": "detr-tiny",
};

/**
 * A mirror holding everything in MODEL_MIRROR and, under the real exports' names, the
 * stand-ins (same layout, tokenizer and I/O), so a server serves every task's Workers AI id
 * through the real path (store, runner, engine); `extra` links more by mirror name (a real
 * model fetched for the test, as real-media.ts's centernetFolder()). The caller removes the folder.
 */
export function standinMirror(extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "outpost-standin-mirror-"));
  for (const name of readdirSync(MODEL_MIRROR)) symlinkSync(join(MODEL_MIRROR, name), join(dir, name));
  for (const [name, standin] of Object.entries(STANDINS)) symlinkSync(join(MODEL_MIRROR, "standins", standin), join(dir, name));
  for (const [name, target] of Object.entries(extra)) symlinkSync(target, join(dir, name));
  return dir;
}
