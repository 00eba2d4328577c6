import { readFileSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { OutpostError } from "../contract/index.js";
import type { CatalogEntry } from "../catalog/index.js";
import { isChatTemplateName } from "../tasks/index.js";
import { writeFileAtomic } from "./atomic.js";
import type { StoreLayout } from "./layout.js";
import { checkFileName, checkModelName, parseModelSource } from "./names.js";

/** Tasks a custom model can serve: those of the llama engine, the one engine custom files load in. */
export const CUSTOM_TASKS = ["text-generation", "text-embeddings"] as const;
/** Context window allocated for a custom model when none is given, in tokens; the engine caps it at the model's own. */
export const CUSTOM_CONTEXT_TOKENS = 4096;

/** What `outpost models add <name> <file-or-url> --task … [--template …] [--context-tokens …]` says. */
export interface CustomModelSpec {
  name: string;
  source: string;
  task: string;
  template?: string;
  contextTokens?: number;
}

const CustomRecordSchema = z.object({
  name: z.string(),
  /** https (or loopback http) URL, or a `file:` URL made from the path given. */
  url: z.string(),
  fileName: z.string(),
  task: z.enum(CUSTOM_TASKS),
  template: z.string(),
  contextTokens: z.number().int().positive(),
  /** Pinned from the first pull: later pulls must bring the same bytes. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  sizeBytes: z.number().int().nonnegative().optional(),
  addedAt: z.string(),
});

/** A custom model as `custom-models.json` keeps it. */
export type CustomRecord = z.infer<typeof CustomRecordSchema>;

/** Checks a spec (name, source scheme, task, template) and makes its record, not yet pinned. */
export function customRecord(spec: CustomModelSpec, cwd: string, trustedOrigin?: string): CustomRecord {
  const name = checkModelName(spec.name);
  const task = CUSTOM_TASKS.find((t) => t === spec.task);
  if (!task) throw new OutpostError("INPUT_INVALID", `--task must be one of ${CUSTOM_TASKS.join(", ")}, got '${spec.task}'`);
  const template = spec.template ?? (task === "text-generation" ? "gguf" : "bare");
  if (template !== "gguf" && !isChatTemplateName(template)) {
    throw new OutpostError("INPUT_INVALID", `Unknown chat template '${template}': use "gguf" (the file's own) or a family from src/tasks/chat-templates.ts`);
  }
  const source = parseModelSource(spec.source, cwd, trustedOrigin);
  const url = source.kind === "file" ? pathToFileURL(source.path) : source.url;
  const fileName = checkFileName(source.kind === "file" ? basename(source.path) : basename(url.pathname));
  return { name, url: url.href, fileName, task, template, contextTokens: spec.contextTokens ?? CUSTOM_CONTEXT_TOKENS, addedAt: new Date().toISOString() };
}

/** The catalog entry `run` and `pull` use for a custom model. */
export function customEntry(record: CustomRecord): CatalogEntry {
  return {
    id: record.name,
    task: record.task,
    description: `Custom model added from ${record.url}`,
    engine: "llama",
    contextTokens: record.contextTokens,
    ...(record.task === "text-generation" ? { maxTokensDefault: 256, maxTokensStreamDefault: 256, chatTemplate: record.template } : {}),
    properties: {},
    artifact: { fileName: record.fileName, url: record.url, sha256: record.sha256, sizeBytes: record.sizeBytes },
    custom: true,
    createdAt: record.addedAt,
  };
}

/**
 * The custom models saved in the data dir, read synchronously because the catalog is built
 * at startup. A damaged file stops startup with its path rather than silently losing models.
 */
export function loadCustomModels(layout: StoreLayout): CustomRecord[] {
  let text: string;
  try {
    text = readFileSync(layout.customModelsFile, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  return parseRecords(layout, text);
}

/** Adds or replaces a custom model in the data dir. */
export async function saveCustomModel(layout: StoreLayout, record: CustomRecord): Promise<void> {
  const records = (await readRecords(layout)).filter((r) => r.name !== record.name);
  await writeRecords(layout, [...records, record]);
}

/** Forgets a custom model; false if there was none of that name. */
export async function removeCustomModel(layout: StoreLayout, name: string): Promise<boolean> {
  const records = await readRecords(layout);
  const kept = records.filter((r) => r.name !== name);
  if (kept.length === records.length) return false;
  await writeRecords(layout, kept);
  return true;
}

async function readRecords(layout: StoreLayout): Promise<CustomRecord[]> {
  const text = await readFile(layout.customModelsFile, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  return text === undefined ? [] : parseRecords(layout, text);
}

async function writeRecords(layout: StoreLayout, records: CustomRecord[]): Promise<void> {
  await mkdir(layout.dataDir, { recursive: true });
  await writeFileAtomic(layout.customModelsFile, `${JSON.stringify({ models: records }, null, 2)}\n`);
}

function parseRecords(layout: StoreLayout, text: string): CustomRecord[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new OutpostError("INTERNAL", `${layout.customModelsFile} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = z.object({ models: z.array(CustomRecordSchema) }).safeParse(value);
  if (!parsed.success) throw new OutpostError("INTERNAL", `${layout.customModelsFile} is damaged: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  // Names and file names become paths: check them as strictly as when they were added.
  for (const record of parsed.data.models) {
    checkModelName(record.name);
    checkFileName(record.fileName);
  }
  return parsed.data.models;
}
